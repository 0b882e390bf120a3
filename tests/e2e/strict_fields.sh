#!/usr/bin/env bash
# fieldValidation=Strict at every depth (kube/pb_fields.c via api/body.c): kubectl create/apply/
# replace of manifests with a typo deep inside are refused with upstream's message and path; big
# correct manifests, strategic-merge patches with $-directives and merge-patch nulls go through.
# Warn (kubectl --validate=warn, and the server's default when no directive is sent) and Ignore
# (--validate=false) store the object without its unknown fields; Warn names each in a
# `Warning: 299 - "unknown field \"path\""` header, which kubectl prints as `Warning: ...`.
source "$(dirname "$0")/lib/common.sh"
start_server --insecure-unsealed-secrets

cat >"$T/typo-pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  containers:
  - name: app
    imagee: nginx:1.27
YAML
expect_err "nested typo refused" \
  '^Error from server \(BadRequest\): error when creating ".*typo-pod.yaml": strict decoding error: unknown field "spec\.containers\[0\]\.imagee"$' \
  k create -f "$T/typo-pod.yaml"
sed -i 's/imagee:/image:/' "$T/typo-pod.yaml"
expect_out "the corrected manifest is created" '^pod/typo created' k create -f "$T/typo-pod.yaml"

cat >"$T/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, app.kubernetes.io/part-of: shop}
  annotations: {deployment.kubernetes.io/revision: "3", example.com/any-key: "v"}
spec:
  replicas: 3
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 600
  minReadySeconds: 2
  paused: false
  selector:
    matchLabels: {app: web}
    matchExpressions:
    - {key: tier, operator: In, values: [frontend, edge]}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}
  template:
    metadata:
      labels: {app: web, tier: frontend}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 30
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      priorityClassName: high
      nodeSelector: {kubernetes.io/os: linux, node.example.com/pool: "blue"}
      hostAliases:
      - {ip: 10.0.0.1, hostnames: [db.local]}
      dnsConfig:
        nameservers: [1.1.1.1]
        searches: [svc.cluster.local]
        options: [{name: ndots, value: "2"}]
      imagePullSecrets: [{name: regcred}]
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 3000
        fsGroup: 2000
        fsGroupChangePolicy: OnRootMismatch
        supplementalGroups: [4000]
        seccompProfile: {type: RuntimeDefault}
        sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65535"}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: kubernetes.io/arch, operator: In, values: [amd64, arm64]}
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 10
            preference:
              matchExpressions: [{key: zone, operator: In, values: [a]}]
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchExpressions: [{key: app, operator: In, values: [cache]}]
            topologyKey: topology.kubernetes.io/zone
            namespaceSelector: {}
      tolerations:
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector: {matchLabels: {app: web}}
        matchLabelKeys: [pod-template-hash]
      initContainers:
      - name: migrate
        image: busybox:1.37
        command: [sh, -c, "echo migrate"]
        resources:
          requests: {cpu: 10m, memory: 16Mi}
      containers:
      - name: app
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        args: ["--port=8080"]
        workingDir: /srv
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        - {name: metrics, containerPort: 9090}
        env:
        - {name: MODE, value: production}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name, apiVersion: v1}}
        - name: CPU_LIMIT
          valueFrom: {resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}}
        - name: DB_URL
          valueFrom: {configMapKeyRef: {name: web-config, key: db_url, optional: true}}
        - name: DB_PASSWORD
          valueFrom: {secretKeyRef: {name: web-secret, key: password}}
        envFrom:
        - prefix: CFG_
          configMapRef: {name: web-config}
        - secretRef: {name: web-secret, optional: true}
        resources:
          limits: {cpu: "1", memory: 512Mi, nvidia.com/gpu: 1, ephemeral-storage: 1Gi}
          requests: {cpu: 250m, memory: 128Mi}
        volumeMounts:
        - {name: config, mountPath: /etc/web, readOnly: true}
        - {name: data, mountPath: /var/lib/web, subPath: web}
        - {name: cache, mountPath: /cache}
        livenessProbe:
          httpGet:
            path: /healthz
            port: http
            scheme: HTTP
            httpHeaders: [{name: X-Probe, value: live}]
          initialDelaySeconds: 10
          periodSeconds: 10
          timeoutSeconds: 2
          failureThreshold: 3
          successThreshold: 1
        readinessProbe:
          tcpSocket: {port: 8080}
          periodSeconds: 5
        startupProbe:
          exec: {command: [cat, /tmp/ready]}
          failureThreshold: 30
          terminationGracePeriodSeconds: 60
        lifecycle:
          preStop:
            exec: {command: [sh, -c, "sleep 5"]}
          postStart:
            httpGet: {path: /started, port: 8080}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          privileged: false
          runAsNonRoot: true
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
          seccompProfile: {type: RuntimeDefault}
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: FallbackToLogsOnError
      - name: sidecar
        image: envoyproxy/envoy:v1.31
        ports: [{containerPort: 9901}]
        readinessProbe:
          grpc: {port: 9901, service: health}
        resources: {}
        stdin: false
        tty: false
      volumes:
      - name: config
        configMap:
          name: web-config
          defaultMode: 420
          items: [{key: app.conf, path: app.conf, mode: 256}]
      - name: data
        persistentVolumeClaim: {claimName: web-data}
      - name: cache
        emptyDir: {medium: Memory, sizeLimit: 64Mi}
      - name: secret
        secret: {secretName: web-secret, optional: false}
      - name: podinfo
        downwardAPI:
          items:
          - path: labels
            fieldRef: {fieldPath: metadata.labels}
      - name: token
        projected:
          defaultMode: 420
          sources:
          - serviceAccountToken: {path: token, expirationSeconds: 3600, audience: api}
          - configMap:
              name: kube-root-ca.crt
              items: [{key: ca.crt, path: ca.crt}]
          - downwardAPI:
              items:
              - path: namespace
                fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}
      - name: host
        hostPath: {path: /var/log, type: Directory}
      - name: legacy
        awsElasticBlockStore: {volumeID: vol-123, fsType: ext4}
      - name: scratch
        ephemeral:
          volumeClaimTemplate:
            metadata: {labels: {type: scratch}}
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: fast
              resources: {requests: {storage: 1Gi}}
YAML
expect_out "big realistic deployment applied" '^deployment.apps/web created' k apply -f "$T/web.yaml"
expect_out "probes, env and volumes were kept" '^/healthz web-secret vol-123$' k get deploy web \
  -o 'jsonpath={.spec.template.spec.containers[0].livenessProbe.httpGet.path} {.spec.template.spec.containers[0].env[4].valueFrom.secretKeyRef.name} {.spec.template.spec.volumes[7].awsElasticBlockStore.volumeID}'
# An existing object: kubectl sends a strategic-merge patch with $setElementOrder/$retainKeys.
sed -i -e 's/replicas: 3/replicas: 4/' -e 's/image: nginx:1.27/image: nginx:1.28/' "$T/web.yaml"
expect_out "strategic-merge apply with directives" '^deployment.apps/web configured' k apply -f "$T/web.yaml"
expect_out "the change landed" '^4 nginx:1.28$' k get deploy web \
  -o 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}'
cp "$T/web.yaml" "$T/web-ok.yaml"
sed -i 's/      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}/      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule, tolerationSecond: 5}/' "$T/web.yaml"
expect_err "typo in an applied patch refused" \
  'strict decoding error: unknown field "spec\.template\.spec\.tolerations\[1\]\.tolerationSecond"' \
  k apply -f "$T/web.yaml"

# Several unknown fields are listed, in document order; metadata and status are checked too.
cat >"$T/multi.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: multi, labelz: {a: b}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPortt: 8080}]
status: {loadBalancerr: {}}
YAML
expect_err "several unknown fields" \
  'strict decoding error: unknown field "metadata\.labelz", unknown field "spec\.ports\[0\]\.targetPortt", unknown field "status\.loadBalancerr"$' \
  k create -f "$T/multi.yaml"

# Server-side apply and replace check the whole object as well.
sed -e 's/name: web$/name: web-ssa/' -e 's/^        workingDir:/        workingdir:/' "$T/web-ok.yaml" >"$T/ssa.yaml"
expect_err "server-side apply with a typo" \
  'unknown field "spec\.template\.spec\.containers\[0\]\.workingdir"' \
  k apply --server-side -f "$T/ssa.yaml"
sed -i 's/^        workingdir:/        workingDir:/' "$T/ssa.yaml"
expect_out "server-side apply of the big deployment" 'serverside-applied' k apply --server-side -f "$T/ssa.yaml"
cat >"$T/secret.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: creds}
type: Opaque
stringData: {username: admin}
YAML
expect_out "secret with stringData" '^secret/creds created' k create -f "$T/secret.yaml"
sed -i 's/stringData:/stringdata:/' "$T/secret.yaml"
expect_err "replace with a top-level typo" 'strict decoding error: unknown field "stringdata"' \
  k replace -f "$T/secret.yaml"

# Merge patches under Strict: null for an unknown field deletes nothing and is accepted.
MP=(-H 'Content-Type: application/merge-patch+json')
D=/apis/apps/v1/namespaces/default/deployments/web
expect_status "merge patch nulling an unknown field" 200 "" PATCH "$D?fieldValidation=Strict" "${MP[@]}" \
  -d '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.29","foo":null}]}}}}'
expect_status "merge patch setting an unknown field" 400 BadRequest PATCH "$D?fieldValidation=Strict" "${MP[@]}" \
  -d '{"spec":{"template":{"spec":{"containers":[{"name":"app","foo":1}]}}}}'
# Warn: the object is created without the unknown fields, and kubectl prints one warning each.
cat >"$T/warn-pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: warned, labelz: {a: b}}
spec:
  containers:
  - name: app
    image: nginx:1.27
    imagee: nginx:1.28
YAML
out=$(k create -f "$T/warn-pod.yaml" --validate=warn 2>&1) || { echo "$out"; fail "create --validate=warn failed"; }
grep -qx 'Warning: unknown field "spec.containers\[0\].imagee"' <<<"$out" || { echo "$out"; fail "no warning for imagee"; }
grep -qx 'Warning: unknown field "metadata.labelz"' <<<"$out" || { echo "$out"; fail "no warning for labelz"; }
grep -qx 'pod/warned created' <<<"$out" || { echo "$out"; fail "pod/warned not created"; }
pass "create --validate=warn warns about each unknown field"
expect_out "warned pod stored without its unknown fields" '^nginx:1.27 \|\|$' k get pod warned \
  -o 'jsonpath={.spec.containers[0].image} |{.spec.containers[0].imagee}|{.metadata.labelz}'
# Ignore: the same, silently.
sed 's/name: warned,/name: ignored,/' "$T/warn-pod.yaml" >"$T/ignore-pod.yaml"
out=$(k create -f "$T/ignore-pod.yaml" --validate=false 2>&1) || { echo "$out"; fail "create --validate=false failed"; }
[ "$out" = "pod/ignored created" ] || { echo "$out"; fail "create --validate=false: unexpected output"; }
pass "create --validate=false is silent"
expect_out "ignored pod stored without its unknown fields" '^nginx:1.27 \|\|$' k get pod ignored \
  -o 'jsonpath={.spec.containers[0].image} |{.spec.containers[0].imagee}|{.metadata.labelz}'
# Strict is still kubectl's default.
sed 's/name: warned,/name: strict,/' "$T/warn-pod.yaml" >"$T/strict-pod.yaml"
expect_err "the default (Strict) still refuses" \
  'strict decoding error: unknown field "metadata\.labelz", unknown field "spec\.containers\[0\]\.imagee"$' \
  k create -f "$T/strict-pod.yaml"

# kubectl patch sends no directive: the server's default is Warn.
expect_out "configmap for patches" '^configmap/pcm created' k create configmap pcm --from-literal=a=b
expect_out "merge patch with an unknown field warns" '^Warning: unknown field "foo"$' \
  k patch cm pcm --type merge -p '{"foo":1,"data":{"c":"d"}}'
expect_out "the known part landed, the unknown one did not" '^\{"a":"b","c":"d"\}\|\|$' \
  k get cm pcm -o 'jsonpath={.data}|{.foo}|'
expect_out "strategic-merge patch with a typo warns" \
  '^Warning: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"$' \
  k patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.30","imagee":"x"}]}}}}'
expect_out "the image changed, the typo was dropped" '^nginx:1\.30\|\|$' k get deploy web \
  -o 'jsonpath={.spec.template.spec.containers[0].image}|{.spec.template.spec.containers[0].imagee}|'

# Client-side apply of an existing object (strategic-merge patch with $setElementOrder) and
# server-side apply, both with --validate=warn.
sed -e 's/image: nginx:1.28/image: nginx:1.31/' \
  -e 's/^        workingDir: \/srv/        workingDir: \/srv\n        workingdir: \/tmp/' "$T/web-ok.yaml" >"$T/web-warn.yaml"
expect_out "client-side apply --validate=warn" \
  '^Warning: unknown field "spec\.template\.spec\.containers\[0\]\.workingdir"$' \
  k apply --validate=warn -f "$T/web-warn.yaml"
expect_out "applied without the typo" '^nginx:1\.31 /srv \|\|$' k get deploy web \
  -o 'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].workingDir} |{.spec.template.spec.containers[0].workingdir}|'
sed -e 's/name: web$/name: web-ssa-warn/' "$T/web-warn.yaml" >"$T/ssa-warn.yaml"
expect_out "server-side apply --validate=warn" \
  '^Warning: unknown field "spec\.template\.spec\.containers\[0\]\.workingdir"$' \
  k apply --server-side --validate=warn -f "$T/ssa-warn.yaml"
expect_out "server-side applied without the typo" '^/srv \|\|$' k get deploy web-ssa-warn \
  -o 'jsonpath={.spec.template.spec.containers[0].workingDir} |{.spec.template.spec.containers[0].workingdir}|'

# The header itself: one per field, quotes and backslashes escaped as apimachinery's
# NewWarningHeader does (the path is %q-quoted first: a newline in a key arrives as \n).
CM=/api/v1/namespaces/default/configmaps
JS=(-H 'Content-Type: application/json')
api POST "$CM" "${JS[@]}" -D "$T/h1" \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"hdr"},"a\"b\\c\nd":1,"data":{"k":"v"}}' >/dev/null
tr -d '\r' <"$T/h1" >"$T/h1.txt"
grep -qxF 'Warning: 299 - "unknown field \"a\\\"b\\\\c\\nd\""' "$T/h1.txt" || { cat "$T/h1.txt"; fail "warning header not escaped as upstream"; }
[ "$(grep -c '^Warning:' "$T/h1.txt")" = 1 ] || { cat "$T/h1.txt"; fail "want exactly one Warning header"; }
pass "Warning header by default (no fieldValidation), escaped"
expect_out "stored without the unknown field" '^\{"k":"v"\}$' k get cm hdr -o 'jsonpath={.data}'
api POST "$CM?fieldValidation=Ignore" "${JS[@]}" -D "$T/h2" \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"hdr2"},"zz":1}' >/dev/null
if grep -qi '^Warning:' "$T/h2"; then cat "$T/h2"; fail "Ignore sent a warning"; fi
grep -q '^HTTP/[0-9.]* 201' "$T/h2" || { cat "$T/h2"; fail "Ignore: not created"; }
pass "no Warning header under Ignore"
expect_status "an unknown directive is refused" 422 Invalid POST "$CM?fieldValidation=warn" "${JS[@]}" \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad-directive"}}'
done_tests
