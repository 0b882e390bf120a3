/*
 * test_pb_fields.c: the unknown-field walk (src/kube/pb_fields.c) behind
 *                   fieldValidation=Strict.
 *
 * Covers: realistic manifests of every kind (checked field by field against k8s.io/api
 *         v0.32.4 types.go when written) report nothing; one typo at many depths is reported
 *         with upstream's exact path; maps take any key; leaves, nulls, wrong JSON types,
 *         fieldsV1 and the deprecated volume sources; TypeMeta only at the top; several
 *         unknown fields in document order and the max cut-off; merge and strategic-merge
 *         patch options; unknown kinds; bad arguments; long paths cut at UTF-8 boundaries;
 *         the shape of the tables the walk relies on (unique json names per message); and
 *         pruning (fieldValidation=Warn/Ignore): exactly the reported members go, patch
 *         directives and nulls stay, max bounds the report but not the removal.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kube/kube_testutil.h"

#include "kube/pb.h"
#include "kube/pb_int.h"

/* ---- manifests: JSON written with ' for " (none of them contains a quote) ----------------- */

static const char *const m_deploy =
    "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':"
    "'default','labels':{'app':'web','app.kubernetes.io/part-of':'shop'},'annotations':{"
    "'deployment.kubernetes.io/revision':'3','example.com/any-key':'v'},'finalizers':["
    "'example.com/cleanup'],'ownerReferences':[{'apiVersion':'v1','kind':'ConfigMap','name':"
    "'owner','uid':'6b1f1c0e-0000-4000-8000-000000000001','controller':true,"
    "'blockOwnerDeletion':false}],'managedFields':[{'manager':'kubectl-client-side-apply',"
    "'operation':'Update','apiVersion':'apps/v1','time':'2026-11-21T04:28:13Z','fieldsType':"
    "'FieldsV1','fieldsV1':{'f:metadata':{'f:labels':{'.':{},'f:app':{}}},'f:spec':{'f:"
    "replicas':{}}}}]},'spec':{'replicas':3,'revisionHistoryLimit':5,"
    "'progressDeadlineSeconds':600,'minReadySeconds':2,'paused':false,'selector':{"
    "'matchLabels':{'app':'web'},'matchExpressions':[{'key':'tier','operator':'In','values':["
    "'frontend','edge']}]},'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':"
    "'25%','maxUnavailable':1}},'template':{'metadata':{'labels':{'app':'web','tier':"
    "'frontend'},'annotations':{'prometheus.io/scrape':'true'}},'spec':{'serviceAccountName':"
    "'web','automountServiceAccountToken':false,'terminationGracePeriodSeconds':30,"
    "'dnsPolicy':'ClusterFirst','restartPolicy':'Always','priorityClassName':'high',"
    "'nodeSelector':{'kubernetes.io/os':'linux','node.example.com/pool':'blue'},"
    "'hostAliases':[{'ip':'10.0.0.1','hostnames':['db.local']}],'dnsConfig':{'nameservers':["
    "'1.1.1.1'],'searches':['svc.cluster.local'],'options':[{'name':'ndots','value':'2'}]},"
    "'imagePullSecrets':[{'name':'regcred'}],'securityContext':{'runAsNonRoot':true,"
    "'runAsUser':1000,'runAsGroup':3000,'fsGroup':2000,'fsGroupChangePolicy':"
    "'OnRootMismatch','supplementalGroups':[4000],'seccompProfile':{'type':'RuntimeDefault'},"
    "'sysctls':[{'name':'net.ipv4.ip_local_port_range','value':'1024 65535'}]},'affinity':{"
    "'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{"
    "'matchExpressions':[{'key':'kubernetes.io/arch','operator':'In','values':['amd64',"
    "'arm64']}]}]},'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':10,"
    "'preference':{'matchExpressions':[{'key':'zone','operator':'In','values':['a']}]}}]},"
    "'podAntiAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':100,"
    "'podAffinityTerm':{'labelSelector':{'matchLabels':{'app':'web'}},'topologyKey':"
    "'kubernetes.io/hostname'}}]},'podAffinity':{"
    "'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchExpressions':["
    "{'key':'app','operator':'In','values':['cache']}]},'topologyKey':"
    "'topology.kubernetes.io/zone','namespaceSelector':{}}]}},'tolerations':[{'key':"
    "'node.kubernetes.io/not-ready','operator':'Exists','effect':'NoExecute',"
    "'tolerationSeconds':300},{'key':'dedicated','operator':'Equal','value':'web','effect':"
    "'NoSchedule'}],'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':"
    "'topology.kubernetes.io/zone','whenUnsatisfiable':'ScheduleAnyway','labelSelector':{"
    "'matchLabels':{'app':'web'}},'matchLabelKeys':['pod-template-hash']}],'initContainers':["
    "{'name':'migrate','image':'busybox:1.37','command':['sh','-c','echo migrate'],"
    "'resources':{'requests':{'cpu':'10m','memory':'16Mi'}}}],'containers':[{'name':'app',"
    "'image':'nginx:1.27','imagePullPolicy':'IfNotPresent','args':['--port=8080'],"
    "'workingDir':'/srv','ports':[{'name':'http','containerPort':8080,'protocol':'TCP'},{"
    "'name':'metrics','containerPort':9090}],'env':[{'name':'MODE','value':'production'},{"
    "'name':'POD_NAME','valueFrom':{'fieldRef':{'fieldPath':'metadata.name','apiVersion':"
    "'v1'}}},{'name':'CPU_LIMIT','valueFrom':{'resourceFieldRef':{'containerName':'app',"
    "'resource':'limits.cpu','divisor':'1m'}}},{'name':'DB_URL','valueFrom':{"
    "'configMapKeyRef':{'name':'web-config','key':'db_url','optional':true}}},{'name':"
    "'DB_PASSWORD','valueFrom':{'secretKeyRef':{'name':'web-secret','key':'password'}}}],"
    "'envFrom':[{'prefix':'CFG_','configMapRef':{'name':'web-config'}},{'secretRef':{'name':"
    "'web-secret','optional':true}}],'resources':{'limits':{'cpu':'1','memory':'512Mi',"
    "'nvidia.com/gpu':1,'ephemeral-storage':'1Gi'},'requests':{'cpu':'250m','memory':"
    "'128Mi'}},'volumeMounts':[{'name':'config','mountPath':'/etc/web','readOnly':true},{"
    "'name':'data','mountPath':'/var/lib/web','subPath':'web'},{'name':'cache','mountPath':"
    "'/cache'}],'livenessProbe':{'httpGet':{'path':'/healthz','port':'http','scheme':'HTTP',"
    "'httpHeaders':[{'name':'X-Probe','value':'live'}]},'initialDelaySeconds':10,"
    "'periodSeconds':10,'timeoutSeconds':2,'failureThreshold':3,'successThreshold':1},"
    "'readinessProbe':{'tcpSocket':{'port':8080},'periodSeconds':5},'startupProbe':{'exec':{"
    "'command':['cat','/tmp/ready']},'failureThreshold':30,'terminationGracePeriodSeconds':"
    "60},'lifecycle':{'preStop':{'exec':{'command':['sh','-c','sleep 5']}},'postStart':{"
    "'httpGet':{'path':'/started','port':8080}}},'securityContext':{"
    "'allowPrivilegeEscalation':false,'readOnlyRootFilesystem':true,'privileged':false,"
    "'runAsNonRoot':true,'capabilities':{'drop':['ALL'],'add':['NET_BIND_SERVICE']},"
    "'seccompProfile':{'type':'RuntimeDefault'}},'terminationMessagePath':"
    "'/dev/termination-log','terminationMessagePolicy':'FallbackToLogsOnError'},{'name':"
    "'sidecar','image':'envoyproxy/envoy:v1.31','ports':[{'containerPort':9901}],"
    "'readinessProbe':{'grpc':{'port':9901,'service':'health'}},'resources':{},'stdin':false,"
    "'tty':false}],'volumes':[{'name':'config','configMap':{'name':'web-config',"
    "'defaultMode':420,'items':[{'key':'app.conf','path':'app.conf','mode':256}]}},{'name':"
    "'data','persistentVolumeClaim':{'claimName':'web-data'}},{'name':'cache','emptyDir':{"
    "'medium':'Memory','sizeLimit':'64Mi'}},{'name':'secret','secret':{'secretName':"
    "'web-secret','optional':false}},{'name':'podinfo','downwardAPI':{'items':[{'path':"
    "'labels','fieldRef':{'fieldPath':'metadata.labels'}}]}},{'name':'token','projected':{"
    "'defaultMode':420,'sources':[{'serviceAccountToken':{'path':'token','expirationSeconds':"
    "3600,'audience':'api'}},{'configMap':{'name':'kube-root-ca.crt','items':[{'key':"
    "'ca.crt','path':'ca.crt'}]}},{'downwardAPI':{'items':[{'path':'namespace','fieldRef':{"
    "'apiVersion':'v1','fieldPath':'metadata.namespace'}}]}}]}},{'name':'host','hostPath':{"
    "'path':'/var/log','type':'Directory'}},{'name':'legacy','awsElasticBlockStore':{"
    "'volumeID':'vol-123','fsType':'ext4'}},{'name':'scratch','ephemeral':{"
    "'volumeClaimTemplate':{'metadata':{'labels':{'type':'scratch'}},'spec':{'accessModes':["
    "'ReadWriteOnce'],'storageClassName':'fast','resources':{'requests':{'storage':"
    "'1Gi'}}}}}}]}}},'status':{'observedGeneration':4,'replicas':3,'updatedReplicas':3,"
    "'readyReplicas':3,'availableReplicas':3,'conditions':[{'type':'Available','status':"
    "'True','reason':'MinimumReplicasAvailable','message':'ok','lastUpdateTime':"
    "'2026-11-21T04:28:13Z','lastTransitionTime':'2026-11-21T04:28:13Z'}]}}";

static const char *const m_service =
    "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web','namespace':'default',"
    "'labels':{'app':'web'}},'spec':{'type':'LoadBalancer','selector':{'app':'web'},'ports':["
    "{'name':'http','port':80,'targetPort':'http','protocol':'TCP','nodePort':30080,"
    "'appProtocol':'http'},{'name':'metrics','port':9090,'targetPort':9090}],'clusterIP':"
    "'10.43.0.10','clusterIPs':['10.43.0.10'],'ipFamilies':['IPv4'],'ipFamilyPolicy':"
    "'SingleStack','sessionAffinity':'ClientIP','sessionAffinityConfig':{'clientIP':{"
    "'timeoutSeconds':10800}},'externalTrafficPolicy':'Local','internalTrafficPolicy':"
    "'Cluster','healthCheckNodePort':31000,'loadBalancerSourceRanges':['10.0.0.0/8'],"
    "'allocateLoadBalancerNodePorts':true,'publishNotReadyAddresses':false},'status':{"
    "'loadBalancer':{'ingress':[{'ip':'192.0.2.10','ipMode':'VIP','ports':[{'port':80,"
    "'protocol':'TCP'}]}]},'conditions':[{'type':'Ready','status':'True','reason':'Ok',"
    "'message':'ok','lastTransitionTime':'2026-11-21T04:28:13Z','observedGeneration':1}]}}";

static const char *const m_configmap =
    "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'web-config','namespace':"
    "'default','annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{}'}},"
    "'data':{'app.conf':'listen 8080;','db_url':'postgres://db:5432/web',"
    "'weird key_with.any-chars':'x'},'binaryData':{'logo.png':'aGVsbG8='},'immutable':false}";

static const char *const m_secret =
    "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'web-secret','namespace':"
    "'default'},'type':'Opaque','data':{'password':'cGFzc3dvcmQ='},'stringData':{'username':"
    "'admin','config.yaml':'a: b'},'immutable':true}";

static const char *const m_lease =
    "{'apiVersion':'coordination.k8s.io/v1','kind':'Lease','metadata':{'name':"
    "'controller-leader','namespace':'kube-system'},'spec':{'holderIdentity':'node-1_7f2c',"
    "'leaseDurationSeconds':15,'acquireTime':'2026-11-21T04:28:13.123456Z','renewTime':"
    "'2026-11-21T04:28:20.000000Z','leaseTransitions':4,'strategy':'OldestEmulationVersion',"
    "'preferredHolder':'node-2'}}";

static const char *const m_event =
    "{'apiVersion':'v1','kind':'Event','metadata':{'name':'web.17a1','namespace':'default'},"
    "'involvedObject':{'kind':'Pod','namespace':'default','name':'web-1','uid':"
    "'6b1f1c0e-0000-4000-8000-000000000002','apiVersion':'v1','resourceVersion':'42',"
    "'fieldPath':'spec.containers{app}'},'reason':'Pulled','message':"
    "'Successfully pulled image','source':{'component':'kubelet','host':'node-1'},"
    "'firstTimestamp':'2026-11-21T04:28:13Z','lastTimestamp':'2026-11-21T04:28:13Z','count':"
    "1,'type':'Normal','eventTime':null,'series':{'count':2,'lastObservedTime':"
    "'2026-11-21T04:28:13.000001Z'},'action':'Pulling','related':{'kind':'Node','name':"
    "'node-1'},'reportingComponent':'kubelet','reportingInstance':'node-1'}";

static const char *const m_node =
    "{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-1','labels':{"
    "'kubernetes.io/hostname':'node-1','node-role.kubernetes.io/control-plane':''},"
    "'annotations':{'node.alpha.kubernetes.io/ttl':'0'}},'spec':{'podCIDR':'10.42.0.0/24',"
    "'podCIDRs':['10.42.0.0/24'],'providerID':'k3s://node-1','unschedulable':false,'taints':["
    "{'key':'node-role.kubernetes.io/control-plane','effect':'NoSchedule'},{'key':"
    "'node.kubernetes.io/unreachable','effect':'NoExecute','timeAdded':'2026-11-21T04:28:"
    "13Z'}]},'status':{'capacity':{'cpu':'2','memory':'4029668Ki','pods':'110',"
    "'ephemeral-storage':'30297152Ki','hugepages-2Mi':'0'},'allocatable':{'cpu':'2','memory':"
    "'4029668Ki','pods':'110'},'phase':'Running','conditions':[{'type':'Ready','status':"
    "'True','reason':'KubeletReady','message':'kubelet is posting ready status',"
    "'lastHeartbeatTime':'2026-11-21T04:28:13Z','lastTransitionTime':'2026-11-21T04:28:13Z'},"
    "{'type':'MemoryPressure','status':'False','reason':'KubeletHasSufficientMemory',"
    "'message':'ok','lastHeartbeatTime':'2026-11-21T04:28:13Z','lastTransitionTime':"
    "'2026-11-21T04:28:13Z'}],'addresses':[{'type':'InternalIP','address':'10.0.0.5'},{"
    "'type':'Hostname','address':'node-1'}],'daemonEndpoints':{'kubeletEndpoint':{'Port':"
    "10250}},'nodeInfo':{'machineID':'abc','systemUUID':'def','bootID':'ghi','kernelVersion':"
    "'6.1.0-18-amd64','osImage':'Debian GNU/Linux 12 (bookworm)','containerRuntimeVersion':"
    "'containerd://1.7.23-k3s2','kubeletVersion':'v1.32.4+k3s1','kubeProxyVersion':"
    "'v1.32.4+k3s1','operatingSystem':'linux','architecture':'amd64'},'images':[{'names':["
    "'docker.io/library/nginx@sha256:abc','docker.io/library/nginx:1.27'],'sizeBytes':"
    "72080558}],'volumesInUse':['kubernetes.io/csi/driver^vol-1'],'volumesAttached':[{'name':"
    "'kubernetes.io/csi/driver^vol-1','devicePath':''}],'runtimeHandlers':[{'name':'runc',"
    "'features':{'recursiveReadOnlyMounts':true,'userNamespaces':false}}],'features':{"
    "'supplementalGroupsPolicy':true},'config':{'active':{'configMap':{'namespace':"
    "'kube-system','name':'node-config','kubeletConfigKey':'kubelet'}},'error':''}}}";

static const char *const m_pod =
    "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web-1','namespace':'default',"
    "'generateName':'web-','uid':'6b1f1c0e-0000-4000-8000-000000000002','resourceVersion':"
    "'42','generation':1,'creationTimestamp':'2026-11-21T04:28:13Z','deletionTimestamp':null,"
    "'labels':{'app':'web','pod-template-hash':'5d8f'}},'spec':{'nodeName':'node-1',"
    "'schedulerName':'default-scheduler','enableServiceLinks':true,'preemptionPolicy':"
    "'PreemptLowerPriority','priority':0,'hostNetwork':false,'shareProcessNamespace':false,"
    "'os':{'name':'linux'},'schedulingGates':[{'name':'example.com/gate'}],'readinessGates':["
    "{'conditionType':'example.com/ready'}],'runtimeClassName':null,'overhead':{'cpu':'10m'},"
    "'containers':[{'name':'app','image':'nginx:1.27','resizePolicy':[{'resourceName':'cpu',"
    "'restartPolicy':'NotRequired'}],'volumeMounts':[{'name':'kube-api-access','mountPath':"
    "'/var/run/secrets/kubernetes.io/serviceaccount','readOnly':true,'recursiveReadOnly':"
    "'Disabled'}]}],'ephemeralContainers':[{'name':'debugger','image':'busybox:1.37',"
    "'targetContainerName':'app','stdin':true,'tty':true}],'volumes':[{'name':"
    "'kube-api-access','projected':{'sources':[{'serviceAccountToken':{'expirationSeconds':"
    "3607,'path':'token'}},{'configMap':{'name':'kube-root-ca.crt','items':[{'key':'ca.crt',"
    "'path':'ca.crt'}]}},{'downwardAPI':{'items':[{'path':'namespace','fieldRef':{"
    "'apiVersion':'v1','fieldPath':'metadata.namespace'}}]}}]}},{'name':'img','image':{"
    "'reference':'quay.io/x/y:1','pullPolicy':'IfNotPresent'}},{'name':'csi','csi':{'driver':"
    "'secrets-store.csi.k8s.io','readOnly':true,'volumeAttributes':{'secretProviderClass':"
    "'x'},'nodePublishSecretRef':{'name':'s'}}}]},'status':{'phase':'Running','qosClass':"
    "'Burstable','hostIP':'10.0.0.5','hostIPs':[{'ip':'10.0.0.5'}],'podIP':'10.42.0.7',"
    "'podIPs':[{'ip':'10.42.0.7'}],'startTime':'2026-11-21T04:28:13Z','conditions':[{'type':"
    "'Ready','status':'True','lastProbeTime':null,'lastTransitionTime':'2026-11-21T04:28:"
    "13Z'}],'containerStatuses':[{'name':'app','ready':true,'started':true,'restartCount':0,"
    "'image':'docker.io/library/nginx:1.27','imageID':'docker.io/library/nginx@sha256:abc',"
    "'containerID':'containerd://abc','state':{'running':{'startedAt':'2026-11-21T04:28:"
    "13Z'}},'lastState':{'terminated':{'exitCode':137,'reason':'OOMKilled','startedAt':"
    "'2026-11-21T04:20:00Z','finishedAt':'2026-11-21T04:28:00Z','containerID':'containerd:"
    "//old'}},'allocatedResources':{'cpu':'250m'},'resources':{'limits':{'cpu':'1'}},"
    "'volumeMounts':[{'name':'kube-api-access','mountPath':"
    "'/var/run/secrets/kubernetes.io/serviceaccount','readOnly':true,'recursiveReadOnly':"
    "'Disabled'}],'user':{'linux':{'uid':0,'gid':0,'supplementalGroups':[0,1]}}}],"
    "'initContainerStatuses':[],'ephemeralContainerStatuses':[{'name':'debugger','ready':"
    "false,'restartCount':0,'image':'busybox:1.37','imageID':'','state':{'waiting':{'reason':"
    "'PodInitializing'}}}]}}";

static const char *const m_endpoints =
    "{'apiVersion':'v1','kind':'Endpoints','metadata':{'name':'web','namespace':'default'},"
    "'subsets':[{'addresses':[{'ip':'10.42.0.7','nodeName':'node-1','targetRef':{'kind':"
    "'Pod','name':'web-1','namespace':'default','uid':"
    "'6b1f1c0e-0000-4000-8000-000000000002'}}],'notReadyAddresses':[{'ip':'10.42.0.8',"
    "'hostname':'web-2'}],'ports':[{'name':'http','port':8080,'protocol':'TCP','appProtocol':"
    "'http'}]}]}";

static const char *const m_serviceaccount =
    "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'web','namespace':"
    "'default'},'secrets':[{'name':'web-token'}],'imagePullSecrets':[{'name':'regcred'}],"
    "'automountServiceAccountToken':false}";

static const char *const m_namespace =
    "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'shop','labels':{"
    "'kubernetes.io/metadata.name':'shop'}},'spec':{'finalizers':['kubernetes']},'status':{"
    "'phase':'Active','conditions':[{'type':'NamespaceDeletionContentFailure','status':"
    "'False','reason':'ContentDeleted','message':'ok','lastTransitionTime':'2026-11-21T04:28:"
    "13Z'}]}}";

static const char *const m_replicaset =
    "{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'web-5d8f','namespace':"
    "'default','ownerReferences':[{'apiVersion':'apps/v1','kind':'Deployment','name':'web',"
    "'uid':'6b1f1c0e-0000-4000-8000-000000000003','controller':true,'blockOwnerDeletion':"
    "true}]},'spec':{'replicas':2,'minReadySeconds':0,'selector':{'matchLabels':{'app':'web',"
    "'pod-template-hash':'5d8f'}},'template':{'metadata':{'labels':{'app':'web',"
    "'pod-template-hash':'5d8f'}},'spec':{'containers':[{'name':'app','image':'nginx:"
    "1.27'}]}}},'status':{'replicas':2,'fullyLabeledReplicas':2,'readyReplicas':2,"
    "'availableReplicas':2,'observedGeneration':1,'conditions':[{'type':'ReplicaFailure',"
    "'status':'False','reason':'x','message':'y','lastTransitionTime':'2026-11-21T04:28:"
    "13Z'}]}}";

/* ---- helpers ------------------------------------------------------------------------------ */

/* The value at a path in upstream's notation ("spec.containers[0].env"); fails if missing. */
static json_t *at(json_t *root, const char *path)
{
    json_t *cur = root;
    const char *p = path;
    while (*p) {
        char key[128];
        size_t n = strcspn(p, ".[");
        assert_true(n < sizeof key);
        memcpy(key, p, n);
        key[n] = '\0';
        p += n;
        if (n > 0) {
            cur = json_object_get(cur, key);
            if (cur == NULL)
                fail_msg("no %s in %s", key, path);
        }
        while (*p == '[') {
            char *end;
            unsigned long i = strtoul(p + 1, &end, 10);
            assert_int_equal(*end, ']');
            cur = json_array_get(cur, i);
            if (cur == NULL)
                fail_msg("no index %lu in %s", i, path);
            p = end + 1;
        }
        if (*p == '.')
            p++;
    }
    return cur;
}

typedef struct scan {
    char paths[8][DAAS_KUBE_PB_PATH_MAX];
    size_t found;
    bool known;
} scan;

/* Runs the walk on obj with its own apiVersion and kind, the given options and max 8. */
static void run_opts(const json_t *obj, unsigned opts, scan *s)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    memset(s, 0, sizeof *s);
    assert_int_equal(
        daas_kube_pb_unknown_fields(av, kind, obj, opts, s->paths, 8, &s->found, &s->known),
        DAAS_OK);
}

/* The first unknown field of obj through the one-path entry point ("" when none). */
static void first(const json_t *obj, char *path, size_t n)
{
    bool known = false;
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    assert_int_equal(daas_kube_pb_unknown_field(av, kind, obj, path, n, &known), DAAS_OK);
    assert_true(known);
}

static void expect_clean_obj(const json_t *obj)
{
    scan s;
    char path[DAAS_KUBE_PB_PATH_MAX] = "junk";
    run_opts(obj, 0, &s);
    assert_true(s.known);
    if (s.found != 0)
        fail_msg("unexpected unknown field %s", s.paths[0]);
    first(obj, path, sizeof path);
    assert_string_equal(path, "");
}

static void expect_clean(const char *manifest)
{
    json_t *o = ku_json(manifest);
    expect_clean_obj(o);
    json_decref(o);
}

/* Adds key (value "x") to the object at parent in manifest and expects exactly that unknown
 * field, at want, through both entry points. */
static void expect_typo(const char *manifest, const char *parent, const char *key, const char *want)
{
    json_t *o = ku_json(manifest);
    scan s;
    char path[DAAS_KUBE_PB_PATH_MAX];
    json_t *p = at(o, parent);
    assert_true(json_is_object(p));
    assert_null(json_object_get(p, key));
    json_object_set_new(p, key, json_string("x"));
    run_opts(o, 0, &s);
    assert_true(s.known);
    assert_int_equal(s.found, 1);
    assert_string_equal(s.paths[0], want);
    first(o, path, sizeof path);
    assert_string_equal(path, want);
    json_decref(o);
}

static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s); /* jansson refuses invalid UTF-8 */
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_realistic_manifests_are_clean(void **state)
{
    (void)state;
    const char *const all[] = {m_deploy,    m_service,        m_configmap, m_secret,
                               m_lease,     m_event,          m_node,      m_pod,
                               m_endpoints, m_serviceaccount, m_namespace, m_replicaset};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        expect_clean(all[i]);
}

static void test_typos_in_deployment(void **state)
{
    (void)state;
    static const struct {
        const char *parent, *key, *want;
    } cases[] = {
        {"", "foo", "foo"},
        {"", "Spec", "Spec"}, /* case-sensitive, as upstream's decoder */
        {"metadata", "labelz", "metadata.labelz"},
        {"metadata", "clusterName", "metadata.clusterName"}, /* removed from ObjectMeta */
        {"metadata.ownerReferences[0]", "controler", "metadata.ownerReferences[0].controler"},
        {"metadata.managedFields[0]", "fieldsV2", "metadata.managedFields[0].fieldsV2"},
        {"spec", "replica", "spec.replica"},
        {"spec.selector", "matchLabel", "spec.selector.matchLabel"},
        {"spec.selector.matchExpressions[0]", "value", "spec.selector.matchExpressions[0].value"},
        {"spec.strategy.rollingUpdate", "maxSurges", "spec.strategy.rollingUpdate.maxSurges"},
        {"spec.template", "spec2", "spec.template.spec2"},
        {"spec.template.metadata", "label", "spec.template.metadata.label"},
        {"spec.template.spec", "container", "spec.template.spec.container"},
        {"spec.template.spec.containers[0]", "imagee", "spec.template.spec.containers[0].imagee"},
        {"spec.template.spec.containers[1]", "Image", "spec.template.spec.containers[1].Image"},
        {"spec.template.spec.containers[0]", "kind", "spec.template.spec.containers[0].kind"},
        {"spec.template.spec.containers[0].env[1].valueFrom.fieldRef", "fieldpath",
         "spec.template.spec.containers[0].env[1].valueFrom.fieldRef.fieldpath"},
        {"spec.template.spec.containers[0].env[3].valueFrom.configMapKeyRef", "nam",
         "spec.template.spec.containers[0].env[3].valueFrom.configMapKeyRef.nam"},
        {"spec.template.spec.containers[0].envFrom[0].configMapRef", "key",
         "spec.template.spec.containers[0].envFrom[0].configMapRef.key"},
        {"spec.template.spec.containers[0].livenessProbe", "httpget",
         "spec.template.spec.containers[0].livenessProbe.httpget"},
        {"spec.template.spec.containers[0].livenessProbe.httpGet.httpHeaders[0]", "val",
         "spec.template.spec.containers[0].livenessProbe.httpGet.httpHeaders[0].val"},
        {"spec.template.spec.containers[0].lifecycle.preStop", "sleeps",
         "spec.template.spec.containers[0].lifecycle.preStop.sleeps"},
        {"spec.template.spec.containers[0].securityContext.capabilities", "drops",
         "spec.template.spec.containers[0].securityContext.capabilities.drops"},
        {"spec.template.spec.containers[0].resources", "limit",
         "spec.template.spec.containers[0].resources.limit"},
        {"spec.template.spec.containers[0].ports[1]", "port",
         "spec.template.spec.containers[0].ports[1].port"},
        {"spec.template.spec.containers[0].volumeMounts[2]", "path",
         "spec.template.spec.containers[0].volumeMounts[2].path"},
        {"spec.template.spec.initContainers[0]", "cmd", "spec.template.spec.initContainers[0].cmd"},
        {"spec.template.spec.volumes[0]", "configmap", "spec.template.spec.volumes[0].configmap"},
        {"spec.template.spec.volumes[0].configMap.items[0]", "keyy",
         "spec.template.spec.volumes[0].configMap.items[0].keyy"},
        {"spec.template.spec.volumes[5].projected.sources[2].downwardAPI.items[0].fieldRef", "x",
         "spec.template.spec.volumes[5].projected.sources[2].downwardAPI.items[0].fieldRef.x"},
        {"spec.template.spec.volumes[8].ephemeral.volumeClaimTemplate.spec.resources", "request",
         "spec.template.spec.volumes[8].ephemeral.volumeClaimTemplate.spec.resources.request"},
        {"spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
         ".nodeSelectorTerms[0].matchExpressions[0]",
         "op",
         "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
         ".nodeSelectorTerms[0].matchExpressions[0].op"},
        {"spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuring"
         "Execution[0].podAffinityTerm",
         "topology",
         "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuring"
         "Execution[0].podAffinityTerm.topology"},
        {"spec.template.spec.tolerations[1]", "effects",
         "spec.template.spec.tolerations[1].effects"},
        {"spec.template.spec.securityContext", "runAsUsr",
         "spec.template.spec.securityContext.runAsUsr"},
        {"spec.template.spec.securityContext.sysctls[0]", "val",
         "spec.template.spec.securityContext.sysctls[0].val"},
        {"spec.template.spec.topologySpreadConstraints[0]", "maxskew",
         "spec.template.spec.topologySpreadConstraints[0].maxskew"},
        {"spec.template.spec.dnsConfig.options[0]", "values",
         "spec.template.spec.dnsConfig.options[0].values"},
        {"status", "ready", "status.ready"},
        /* a PodCondition field, not a DeploymentCondition one */
        {"status.conditions[0]", "lastProbeTime", "status.conditions[0].lastProbeTime"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_typo(m_deploy, cases[i].parent, cases[i].key, cases[i].want);
}

static void test_typos_in_other_kinds(void **state)
{
    (void)state;
    const struct {
        const char *manifest, *parent, *key, *want;
    } cases[] = {
        {m_node, "status.nodeInfo", "kernelVersionn", "status.nodeInfo.kernelVersionn"},
        /* DaemonEndpoint's json name is "Port", capitalised: "port" is unknown upstream. */
        {m_node, "status.daemonEndpoints.kubeletEndpoint", "port",
         "status.daemonEndpoints.kubeletEndpoint.port"},
        {m_node, "spec.taints[1]", "time", "spec.taints[1].time"},
        {m_node, "status.runtimeHandlers[0].features", "x", "status.runtimeHandlers[0].features.x"},
        {m_pod, "status.containerStatuses[0].state.running", "startedat",
         "status.containerStatuses[0].state.running.startedat"},
        {m_pod, "status.containerStatuses[0].user.linux", "groups",
         "status.containerStatuses[0].user.linux.groups"},
        {m_pod, "spec.ephemeralContainers[0]", "target", "spec.ephemeralContainers[0].target"},
        {m_pod, "spec.volumes[2].csi", "attrs", "spec.volumes[2].csi.attrs"},
        {m_secret, "", "stringdata", "stringdata"},
        {m_configmap, "", "status", "status"}, /* ConfigMap has no status */
        {m_lease, "spec", "holder", "spec.holder"},
        {m_event, "involvedObject", "names", "involvedObject.names"},
        {m_event, "series", "lastObservedtime", "series.lastObservedtime"},
        {m_service, "spec.ports[0]", "target", "spec.ports[0].target"},
        {m_service, "spec.sessionAffinityConfig.clientIP", "timeout",
         "spec.sessionAffinityConfig.clientIP.timeout"},
        {m_service, "status.loadBalancer.ingress[0].ports[0]", "err",
         "status.loadBalancer.ingress[0].ports[0].err"},
        {m_endpoints, "subsets[0].addresses[0].targetRef", "names",
         "subsets[0].addresses[0].targetRef.names"},
        {m_serviceaccount, "secrets[0]", "x", "secrets[0].x"},
        {m_namespace, "spec", "finalizer", "spec.finalizer"},
        {m_replicaset, "spec.template.spec.containers[0]", "imagee",
         "spec.template.spec.containers[0].imagee"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_typo(cases[i].manifest, cases[i].parent, cases[i].key, cases[i].want);
}

static void test_maps_take_any_key(void **state)
{
    (void)state;
    json_t *o = ku_json(m_deploy);
    const char *const maps[] = {"metadata.labels",
                                "metadata.annotations",
                                "spec.selector.matchLabels",
                                "spec.template.spec.nodeSelector",
                                "spec.template.spec.containers[0].resources.limits",
                                "spec.template.spec.containers[0].resources.requests",
                                "metadata.managedFields[0].fieldsV1"};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        json_t *m = at(o, maps[i]);
        json_object_set_new(m, "imagee", json_string("1"));
        json_object_set_new(m, "example.com/any_Key-9", json_string("2"));
        json_object_set_new(m, "\xc3\xa9t\xc3\xa9", json_string("3"));
        json_object_set_new(m, "", json_string("4"));
    }
    /* fieldsV1 is free-form JSON at any depth. */
    json_object_set_new(at(o, "metadata.managedFields[0].fieldsV1"), "f:spec",
                        ku_json("{'f:template':{'k:{\\'name\\':\\'app\\'}':{'.':{}}}}"));
    expect_clean_obj(o);
    json_decref(o);

    json_t *cm = ku_json(m_configmap), *node = ku_json(m_node);
    json_object_set_new(at(cm, "data"), "kind", json_string("x"));
    json_object_set_new(at(cm, "binaryData"), "spec", json_string("eA=="));
    json_object_set_new(at(node, "status.capacity"), "example.com/dongle", json_integer(4));
    expect_clean_obj(cm);
    expect_clean_obj(node);
    json_decref(cm);
    json_decref(node);
}

static void test_leaves_nulls_and_wrong_types(void **state)
{
    (void)state;
    json_t *o = ku_json(m_deploy);
    /* IntOrString and Quantity take any scalar; a Time may be null. */
    json_object_set_new(at(o, "spec.strategy.rollingUpdate"), "maxSurge", json_integer(2));
    json_object_set_new(at(o, "spec.template.spec.containers[0].readinessProbe.tcpSocket"), "port",
                        json_string("http"));
    json_object_set_new(at(o, "spec.template.spec.volumes[2].emptyDir"), "sizeLimit",
                        json_integer(1024));
    json_object_set_new(at(o, "status.conditions[0]"), "lastUpdateTime", json_null());
    /* Null for any known field, message or not. */
    json_object_set_new(at(o, "spec.template.spec"), "affinity", json_null());
    json_object_set_new(at(o, "spec.template.spec"), "tolerations", json_null());
    json_object_set_new(at(o, "metadata"), "labels", json_null());
    json_array_append_new(at(o, "spec.template.spec.containers[0].env"), json_null());
    expect_clean_obj(o);

    /* A value of the wrong JSON type is a decoding error, not an unknown field: it is not
     * looked into, and the walk goes on with the siblings. */
    json_object_set_new(at(o, "spec.template.spec.containers[1]"), "resources",
                        ku_json("[{'imagee':1}]"));
    json_object_set_new(at(o, "spec"), "selector", json_string("app=web"));
    json_array_append_new(at(o, "spec.template.spec.containers"), json_string("not-an-object"));
    json_array_append_new(at(o, "spec.template.spec.containers"),
                          ku_json("{'name':'c','imagee':1}"));
    scan s;
    run_opts(o, 0, &s);
    assert_int_equal(s.found, 1);
    assert_string_equal(s.paths[0], "spec.template.spec.containers[3].imagee");
    json_decref(o);

    /* A repeated message given as an object (or a message as an array) is not looked into. */
    o = ku_json("{'apiVersion':'v1','kind':'Pod','spec':{'containers':{'imagee':1},"
                "'securityContext':[{'x':1}]}}");
    expect_clean_obj(o);
    json_decref(o);
}

static void test_unknown_field_with_null_value(void **state)
{
    (void)state;
    json_t *o = ku_json("{'apiVersion':'v1','kind':'Pod','spec':{'foo':null}}");
    scan s;
    run_opts(o, 0, &s);
    assert_int_equal(s.found, 1);
    assert_string_equal(s.paths[0], "spec.foo");
    run_opts(o, DAAS_KUBE_PB_UF_PATCH, &s);
    assert_int_equal(s.found, 0);
    run_opts(o, DAAS_KUBE_PB_UF_SMP, &s);
    assert_int_equal(s.found, 0);
    json_decref(o);
}

static void test_type_meta_only_at_top(void **state)
{
    (void)state;
    json_t *o = ku_json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a',"
                        "'kind':'x','apiVersion':'v1'}}");
    scan s;
    run_opts(o, 0, &s);
    assert_int_equal(s.found, 2);
    assert_string_equal(s.paths[0], "metadata.kind");
    assert_string_equal(s.paths[1], "metadata.apiVersion");
    json_decref(o);
}

static void test_legacy_volume_sources(void **state)
{
    (void)state;
    static const char *const names[] = {"awsElasticBlockStore",
                                        "azureDisk",
                                        "azureFile",
                                        "cephfs",
                                        "cinder",
                                        "fc",
                                        "flexVolume",
                                        "flocker",
                                        "gcePersistentDisk",
                                        "gitRepo",
                                        "glusterfs",
                                        "photonPersistentDisk",
                                        "portworxVolume",
                                        "quobyte",
                                        "rbd",
                                        "scaleIO",
                                        "storageos",
                                        "vsphereVolume"};
    json_t *o = ku_json("{'apiVersion':'v1','kind':'Pod','spec':{'volumes':[]}}");
    json_t *vols = at(o, "spec.volumes");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *v = json_object();
        json_object_set_new(v, "name", json_string(names[i]));
        json_object_set_new(v, names[i], ku_json("{'anything':{'goes':[1,2]},'readOnly':true}"));
        json_array_append_new(vols, v);
    }
    expect_clean_obj(o);
    json_array_append_new(vols, ku_json("{'name':'x','awsElasticBlockStorage':{}}"));
    scan s;
    run_opts(o, 0, &s);
    assert_int_equal(s.found, 1);
    assert_string_equal(s.paths[0], "spec.volumes[18].awsElasticBlockStorage");
    json_decref(o);
}

static void test_several_in_document_order(void **state)
{
    (void)state;
    json_t *o = ku_json(m_deploy);
    json_object_set_new(at(o, "spec.template.spec.containers[1]"), "b", json_true());
    json_object_set_new(at(o, "metadata"), "a", json_true());
    json_object_set_new(o, "z", json_true());
    json_object_set_new(at(o, "spec.template.spec.containers[0]"), "c", json_true());
    json_object_set_new(at(o, "spec.template.spec.containers[0]"), "d", json_true());
    scan s;
    run_opts(o, 0, &s);
    assert_int_equal(s.found, 5);
    assert_string_equal(s.paths[0], "metadata.a");
    assert_string_equal(s.paths[1], "spec.template.spec.containers[0].c");
    assert_string_equal(s.paths[2], "spec.template.spec.containers[0].d");
    assert_string_equal(s.paths[3], "spec.template.spec.containers[1].b");
    assert_string_equal(s.paths[4], "z");

    /* max bounds what is written, not what is counted. */
    char two[3][DAAS_KUBE_PB_PATH_MAX];
    size_t n = 0;
    bool known = false;
    memset(two, 0, sizeof two);
    assert_int_equal(daas_kube_pb_unknown_fields("apps/v1", "Deployment", o, 0, two, 2, &n, &known),
                     DAAS_OK);
    assert_int_equal(n, 5);
    assert_string_equal(two[1], "spec.template.spec.containers[0].c");
    assert_string_equal(two[2], "");
    assert_int_equal(
        daas_kube_pb_unknown_fields("apps/v1", "Deployment", o, 0, NULL, 0, &n, &known), DAAS_OK);
    assert_int_equal(n, 5);
    json_decref(o);
}

static void test_strategic_merge_patch(void **state)
{
    (void)state;
    /* What `kubectl apply` sends for an existing object, plus the other directives. */
    json_t *p =
        ku_json("{'metadata':{'annotations':{'a':'b'},'$deleteFromPrimitiveList/finalizers':"
                "['x'],'finalizers':['y']},'spec':{'strategy':{'$retainKeys':['type'],"
                "'type':'Recreate','rollingUpdate':null},'template':{'spec':{"
                "'$setElementOrder/containers':[{'name':'app'}],'containers':[{"
                "'name':'app','image':'busybox:1.37'},{'name':'old','$patch':'delete'}]}}}}");
    scan s;
    memset(&s, 0, sizeof s);
    assert_int_equal(daas_kube_pb_unknown_fields("apps/v1", "Deployment", p, DAAS_KUBE_PB_UF_SMP,
                                                 s.paths, 8, &s.found, &s.known),
                     DAAS_OK);
    assert_true(s.known);
    assert_int_equal(s.found, 0);
    /* Without the option the directives are unknown fields, like any other key. */
    assert_int_equal(daas_kube_pb_unknown_fields("apps/v1", "Deployment", p, DAAS_KUBE_PB_UF_PATCH,
                                                 s.paths, 8, &s.found, &s.known),
                     DAAS_OK);
    assert_int_equal(s.found, 4);
    assert_string_equal(s.paths[0], "metadata.$deleteFromPrimitiveList/finalizers");
    assert_string_equal(s.paths[1], "spec.strategy.$retainKeys");
    assert_string_equal(s.paths[2], "spec.template.spec.$setElementOrder/containers");
    assert_string_equal(s.paths[3], "spec.template.spec.containers[1].$patch");
    /* A typo next to directives is still reported. */
    json_object_set_new(at(p, "spec.template.spec.containers[0]"), "imagee", json_string("x"));
    assert_int_equal(daas_kube_pb_unknown_fields("apps/v1", "Deployment", p, DAAS_KUBE_PB_UF_SMP,
                                                 s.paths, 8, &s.found, &s.known),
                     DAAS_OK);
    assert_int_equal(s.found, 1);
    assert_string_equal(s.paths[0], "spec.template.spec.containers[0].imagee");
    json_decref(p);
}

static void test_unknown_kind(void **state)
{
    (void)state;
    json_t *o = ku_json("{'apiVersion':'example.com/v1','kind':'Widget','spec':{'x':1}}");
    char path[64] = "junk";
    bool known = true;
    size_t n = 7;
    assert_int_equal(
        daas_kube_pb_unknown_field("example.com/v1", "Widget", o, path, sizeof path, &known),
        DAAS_OK);
    assert_false(known);
    assert_string_equal(path, "");
    known = true;
    assert_int_equal(daas_kube_pb_unknown_field("apps/v1", "Pod", o, path, sizeof path, &known),
                     DAAS_OK);
    assert_false(known);
    assert_int_equal(daas_kube_pb_unknown_fields("v1", "Widget", o, 0, NULL, 0, &n, &known),
                     DAAS_OK);
    assert_false(known);
    assert_int_equal(n, 0);
    json_decref(o);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    json_t *arr = json_array(), *o = json_object();
    char path[16];
    bool known;
    size_t n;
    assert_int_equal(daas_kube_pb_unknown_field("v1", "Pod", arr, path, sizeof path, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_unknown_field("v1", "Pod", NULL, path, sizeof path, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_unknown_field("v1", "Pod", o, path, 0, &known), DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_unknown_field("v1", "Pod", o, NULL, 8, &known), DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_unknown_field("v1", "Pod", o, path, sizeof path, NULL),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_unknown_field(NULL, "Pod", o, path, sizeof path, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_unknown_fields("v1", "Pod", o, 0, NULL, 1, &n, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_unknown_fields("v1", "Pod", o, 0, NULL, 0, NULL, &known),
                     DAAS_EINVAL);
    /* An empty object of a known kind is fine. */
    assert_int_equal(daas_kube_pb_unknown_field("v1", "Pod", o, path, sizeof path, &known),
                     DAAS_OK);
    assert_true(known);
    assert_string_equal(path, "");
    json_decref(arr);
    json_decref(o);
}

/* A key of 300 two-byte characters. */
static char *long_key(void)
{
    char *k = daas_xmalloc(601);
    for (int i = 0; i < 300; i++) {
        k[2 * i] = (char)0xc3;
        k[2 * i + 1] = (char)0xa9;
    }
    k[600] = '\0';
    return k;
}

static void test_long_paths(void **state)
{
    (void)state;
    char *k = long_key();
    json_t *o =
        ku_json("{'apiVersion':'v1','kind':'Pod','metadata':{},'spec':{'containers':[{}]}}");
    json_object_set_new(at(o, "metadata"), k, json_true());
    json_object_set_new(at(o, "metadata"), "short", json_true());
    json_object_set_new(at(o, "spec.containers[0]"), "imagee", json_true());
    scan s;
    run_opts(o, 0, &s);
    assert_int_equal(s.found, 3);
    size_t n = strlen(s.paths[0]);
    assert_true(n < DAAS_KUBE_PB_PATH_MAX);
    assert_true(n > 200);
    assert_true(valid_utf8(s.paths[0]));
    assert_memory_equal(s.paths[0], "metadata.\xc3\xa9", 11);
    assert_string_equal(s.paths[0] + n - 3, "...");
    /* Siblings after a cut path are whole again. */
    assert_string_equal(s.paths[1], "metadata.short");
    assert_string_equal(s.paths[2], "spec.containers[0].imagee");

    /* The one-path entry point cuts to its buffer at a character boundary. */
    char small[12];
    first(o, small, sizeof small); /* "metadata." + one 2-byte char fits in 11 bytes */
    assert_string_equal(small, "metadata.\xc3\xa9");
    char smaller[11];
    first(o, smaller, sizeof smaller); /* 10 bytes: the second byte would not fit */
    assert_string_equal(smaller, "metadata.");
    json_decref(o);
    daas_free(k);
}

/* Upstream reports an unknown "" key as unknown field "": an empty path at the top. */
static void test_empty_key(void **state)
{
    (void)state;
    json_t *o = ku_json("{'apiVersion':'v1','kind':'Pod','':1,'metadata':{'':2}}");
    scan s;
    char path[16];
    run_opts(o, 0, &s);
    assert_int_equal(s.found, 2);
    assert_string_equal(s.paths[0], "");
    assert_string_equal(s.paths[1], "metadata.");
    first(o, path, sizeof path);
    assert_string_equal(path, "\"\"");
    json_decref(o);
}

/* ---- pruning (fieldValidation=Warn and Ignore) -------------------------------------------- */

/* Prunes obj with its own apiVersion and kind, the given options and max 8. */
static void prune_opts(json_t *obj, unsigned opts, scan *s)
{
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    char avc[64], kindc[64]; /* the members may not outlive a removal: copy the names */
    snprintf(avc, sizeof avc, "%s", av ? av : "");
    snprintf(kindc, sizeof kindc, "%s", kind ? kind : "");
    memset(s, 0, sizeof *s);
    assert_int_equal(
        daas_kube_pb_prune_unknown(avc, kindc, obj, opts, s->paths, 8, &s->found, &s->known),
        DAAS_OK);
}

static void test_prune_restores_the_manifest(void **state)
{
    (void)state;
    json_t *want = ku_json(m_deploy);
    json_t *o = ku_json(m_deploy);
    json_object_set_new(o, "z", json_true());
    json_object_set_new(at(o, "metadata"), "labelz", ku_json("{'a':'b'}"));
    json_object_set_new(at(o, "spec.template.spec.containers[0]"), "imagee", json_string("x"));
    json_object_set_new(at(o, "spec.template.spec.containers[0]"), "c", json_null());
    json_object_set_new(at(o, "spec.template.spec.containers[1]"), "b", ku_json("{'d':[1]}"));
    json_object_set_new(at(o, "spec.template.spec.volumes[7].awsElasticBlockStore"), "free",
                        json_true()); /* inside a free-form source: kept */
    json_object_set_new(at(want, "spec.template.spec.volumes[7].awsElasticBlockStore"), "free",
                        json_true());
    scan s;
    prune_opts(o, 0, &s);
    assert_true(s.known);
    assert_int_equal(s.found, 5);
    /* the same paths, in the same order, as the read-only walk */
    assert_string_equal(s.paths[0], "metadata.labelz");
    assert_string_equal(s.paths[1], "spec.template.spec.containers[0].imagee");
    assert_string_equal(s.paths[2], "spec.template.spec.containers[0].c");
    assert_string_equal(s.paths[3], "spec.template.spec.containers[1].b");
    assert_string_equal(s.paths[4], "z");
    assert_true(json_equal(o, want));
    expect_clean_obj(o);
    /* pruning a clean object changes nothing */
    prune_opts(o, 0, &s);
    assert_int_equal(s.found, 0);
    assert_true(json_equal(o, want));
    json_decref(o);
    json_decref(want);
}

static void test_prune_every_typo_of_other_kinds(void **state)
{
    (void)state;
    const char *const all[] = {m_service,   m_configmap,  m_secret,        m_lease,
                               m_event,     m_node,       m_pod,           m_endpoints,
                               m_namespace, m_replicaset, m_serviceaccount};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        json_t *want = ku_json(all[i]);
        json_t *o = ku_json(all[i]);
        json_object_set_new(o, "typo", json_string("x"));
        json_object_set_new(at(o, "metadata"), "typo", json_string("x"));
        scan s;
        prune_opts(o, 0, &s);
        assert_true(s.known);
        assert_int_equal(s.found, 2);
        assert_string_equal(s.paths[0], "metadata.typo"); /* document order */
        assert_string_equal(s.paths[1], "typo");
        assert_true(json_equal(o, want));
        json_decref(o);
        json_decref(want);
    }
}

static void test_prune_max_bounds_reports_not_removal(void **state)
{
    (void)state;
    json_t *o = ku_json("{'apiVersion':'v1','kind':'Pod','a':1,'b':2,'spec':{'c':3,"
                        "'containers':[{'name':'x','d':4}]},'e':5}");
    char one[2][DAAS_KUBE_PB_PATH_MAX];
    size_t n = 0;
    bool known = false;
    memset(one, 0, sizeof one);
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "Pod", o, 0, one, 1, &n, &known), DAAS_OK);
    assert_true(known);
    assert_int_equal(n, 5);
    assert_string_equal(one[0], "a");
    assert_string_equal(one[1], ""); /* past max: untouched */
    ku_assert_json(o, "{'apiVersion':'v1','kind':'Pod','spec':{'containers':[{'name':'x'}]}}");
    /* and with no room at all */
    json_object_set_new(o, "f", json_true());
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "Pod", o, 0, NULL, 0, &n, &known), DAAS_OK);
    assert_int_equal(n, 1);
    ku_assert_json(o, "{'apiVersion':'v1','kind':'Pod','spec':{'containers':[{'name':'x'}]}}");
    json_decref(o);
}

static void test_prune_patches_keep_what_they_tolerate(void **state)
{
    (void)state;
    /* A strategic-merge patch: directives and nulls stay, typos go. */
    json_t *p =
        ku_json("{'metadata':{'labels':{'any':'x'},'$deleteFromPrimitiveList/finalizers':['x'],"
                "'labelz':{'a':'b'}},'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate',"
                "'rollingUpdate':null},'template':{'spec':{'$setElementOrder/containers':[{'name':"
                "'app'}],'containers':[{'name':'app','imagee':'x','gone':null},{'name':'old',"
                "'$patch':'delete'}]}},'replica':2}}");
    scan s;
    memset(&s, 0, sizeof s);
    assert_int_equal(daas_kube_pb_prune_unknown("apps/v1", "Deployment", p, DAAS_KUBE_PB_UF_SMP,
                                                s.paths, 8, &s.found, &s.known),
                     DAAS_OK);
    assert_int_equal(s.found, 3);
    assert_string_equal(s.paths[0], "metadata.labelz");
    assert_string_equal(s.paths[1], "spec.template.spec.containers[0].imagee");
    assert_string_equal(s.paths[2], "spec.replica");
    ku_assert_json(p, "{'metadata':{'labels':{'any':'x'},'$deleteFromPrimitiveList/finalizers':"
                      "['x']},'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate',"
                      "'rollingUpdate':null},'template':{'spec':{'$setElementOrder/containers':"
                      "[{'name':'app'}],'containers':[{'name':'app','gone':null},{'name':'old',"
                      "'$patch':'delete'}]}}}}");
    json_decref(p);

    /* A merge patch: nulls stay (they delete nothing), $-keys are ordinary unknown keys. */
    p = ku_json("{'foo':1,'bar':null,'$patch':'x','data':{'a':'b'}}");
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "ConfigMap", p, DAAS_KUBE_PB_UF_PATCH,
                                                s.paths, 8, &s.found, &s.known),
                     DAAS_OK);
    assert_int_equal(s.found, 2);
    assert_string_equal(s.paths[0], "foo");
    assert_string_equal(s.paths[1], "$patch");
    ku_assert_json(p, "{'bar':null,'data':{'a':'b'}}");
    json_decref(p);
}

static void test_prune_long_and_odd_keys(void **state)
{
    (void)state;
    char *k = long_key();
    json_t *o = ku_json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'},"
                        "'data':{'x':'y'}}");
    json_object_set_new(at(o, "metadata"), k, json_true());
    json_object_set_new(o, "", json_true());
    json_object_set_new(o, "a\"b\\c\n", json_true());
    scan s;
    prune_opts(o, 0, &s);
    assert_int_equal(s.found, 3);
    assert_string_equal(s.paths[0] + strlen(s.paths[0]) - 3, "..."); /* cut, yet removed */
    assert_true(valid_utf8(s.paths[0]));
    assert_string_equal(s.paths[1], "");
    assert_string_equal(s.paths[2], "a\"b\\c\n");
    ku_assert_json(o, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'},"
                      "'data':{'x':'y'}}");
    json_decref(o);
    daas_free(k);
}

static void test_prune_unknown_kind_and_bad_arguments(void **state)
{
    (void)state;
    json_t *o = ku_json("{'apiVersion':'example.com/v1','kind':'Widget','spec':{'x':1}}");
    json_t *arr = json_array();
    char paths[1][DAAS_KUBE_PB_PATH_MAX];
    size_t n = 7;
    bool known = true;
    assert_int_equal(
        daas_kube_pb_prune_unknown("example.com/v1", "Widget", o, 0, paths, 1, &n, &known),
        DAAS_OK);
    assert_false(known);
    assert_int_equal(n, 0);
    ku_assert_json(o, "{'apiVersion':'example.com/v1','kind':'Widget','spec':{'x':1}}");
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "Pod", arr, 0, paths, 1, &n, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "Pod", NULL, 0, paths, 1, &n, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_prune_unknown(NULL, "Pod", o, 0, paths, 1, &n, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_prune_unknown("v1", NULL, o, 0, paths, 1, &n, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "Pod", o, 0, NULL, 1, &n, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "Pod", o, 0, paths, 1, NULL, &known),
                     DAAS_EINVAL);
    assert_int_equal(daas_kube_pb_prune_unknown("v1", "Pod", o, 0, paths, 1, &n, NULL),
                     DAAS_EINVAL);
    /* refused calls leave the object as it was */
    ku_assert_json(o, "{'apiVersion':'example.com/v1','kind':'Widget','spec':{'x':1}}");
    json_decref(arr);
    json_decref(o);
}

/* Json names of m, inline embeds flattened, appended to names[*n]. */
static void flat_names(const daas_kube_pb_msg *m, const char **names, size_t *n, size_t cap)
{
    for (size_t i = 0; i < m->nfields; i++) {
        const daas_kube_pb_field *f = &m->fields[i];
        if (f->flags & DAAS_KUBE_PB_F_INL) {
            assert_null(f->json);
            assert_non_null(f->msg);
            assert_int_equal(f->type, DAAS_KUBE_PB_T_MSG);
            flat_names(f->msg, names, n, cap);
            continue;
        }
        assert_non_null(f->json);
        assert_true(*n < cap);
        names[(*n)++] = f->json;
    }
}

/* Every message reachable from the kinds: json names unique after flattening (the walk takes
 * the first match), message fields with a descriptor. */
static void check_msg(const daas_kube_pb_msg *m, int depth)
{
    const char *names[128];
    size_t n = 0;
    assert_true(depth < 20);
    flat_names(m, names, &n, 128);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) == 0)
                fail_msg("%s: json name %s twice", m->name, names[i]);
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].type == DAAS_KUBE_PB_T_MSG)
            check_msg(m->fields[i].msg, depth + 1);
}

static void test_tables_unique_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < daas_kube__pb_nkinds; i++)
        check_msg(daas_kube__pb_kinds[i].msg, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realistic_manifests_are_clean),
        cmocka_unit_test(test_typos_in_deployment),
        cmocka_unit_test(test_typos_in_other_kinds),
        cmocka_unit_test(test_maps_take_any_key),
        cmocka_unit_test(test_leaves_nulls_and_wrong_types),
        cmocka_unit_test(test_unknown_field_with_null_value),
        cmocka_unit_test(test_type_meta_only_at_top),
        cmocka_unit_test(test_legacy_volume_sources),
        cmocka_unit_test(test_several_in_document_order),
        cmocka_unit_test(test_strategic_merge_patch),
        cmocka_unit_test(test_unknown_kind),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_long_paths),
        cmocka_unit_test(test_empty_key),
        cmocka_unit_test(test_tables_unique_names),
        cmocka_unit_test(test_prune_restores_the_manifest),
        cmocka_unit_test(test_prune_every_typo_of_other_kinds),
        cmocka_unit_test(test_prune_max_bounds_reports_not_removal),
        cmocka_unit_test(test_prune_patches_keep_what_they_tolerate),
        cmocka_unit_test(test_prune_long_and_odd_keys),
        cmocka_unit_test(test_prune_unknown_kind_and_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
