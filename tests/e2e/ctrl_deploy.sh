#!/usr/bin/env bash
# ctrl_deploy.sh: Deployments as kubectl users drive them, with the real agent running the
# pods (runc, a real registry): `kubectl create deployment`, `rollout status`, `scale`,
# `set image` with a rolling update whose available replicas never drop below
# replicas - maxUnavailable, `rollout history`, `rollout undo`, `rollout restart`, `rollout
# pause/resume`, a Recreate rollout (old pods gone before new ones), a progress deadline
# that `rollout status` reports, and orphaned pods adopted by a ReplicaSet.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
worker_cluster
skopeo copy --quiet "oci:$T/oci:1" "docker://$REG/tools/busybox:2" --dest-tls-verify=false >/dev/null
IMG2=$REG/tools/busybox:2

dj() { k get deployment "$1" -o "jsonpath=$2" 2>/dev/null; }
rs_count() { k get rs -l app="$1" --no-headers 2>/dev/null | wc -l; }
# pods of app $1 that are Running, not being deleted, with image $2
pods_with() {
  k get pods -l app="$1" -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.status.phase}|{.spec.containers[0].image}{"\n"}{end}' |
    grep -c "^|Running|$2\$" || true
}
rollout() { # NAME [SECONDS]; on failure what it waited for, for the log
  timeout $((${2:-50} + 5)) kubectl --cache-dir "$T/cache" rollout status "deployment/$1" --timeout="${2:-50}s" && return 0
  k get rs,pods -o wide -l app="$1" >&2; k get deployment "$1" -o jsonpath='{.status}' >&2; tail -5 "$AGENT_LOG" >&2
  return 1
}

# ---- create, rollout status, scale ----
k create deployment web --image="$IMG" --replicas=2 -- sh -c 'trap "exit 0" TERM; while true; do sleep 1; done' >/dev/null
expect_out "rollout status waits for the new deployment" 'deployment "web" successfully rolled out' rollout web
expect_out "kubectl get deployment shows 2/2 ready" '^web +2/2 +2 +2 ' k get deployment web --no-headers
[ "$(pods_with web "$IMG")" = 2 ] || fail "two pods run the image"
[ "$(dj web '{.status.observedGeneration}')" = "$(dj web '{.metadata.generation}')" ] || fail "observedGeneration"
expect_out "the ReplicaSet is the deployment's, with its pod-template-hash" '^web-[a-z0-9]+ +2 +2 +2 ' k get rs -l app=web --no-headers
expect_out "SuccessfulCreate events name the pods" 'SuccessfulCreate.*Created pod: web-' k get events --field-selector involvedObject.kind=ReplicaSet

k scale deployment web --replicas=4 >/dev/null
expect_out "scaled up to 4" 'successfully rolled out' rollout web
[ "$(dj web '{.status.availableReplicas}')" = 4 ] || fail "4 available after scale"
pass "scale up to 4: 4 available"

# ---- set image: a rolling update never below 3 available (4 - maxUnavailable 25%) ----
# A readiness delay makes the update take several steps; a watch of the deployment and of
# its pods records the lowest availableReplicas and the fewest ready pods not being deleted.
k patch deployment web --type=json -p '[{"op":"add","path":"/spec/template/spec/containers/0/readinessProbe","value":{"exec":{"command":["sh","-c","exit 0"]},"initialDelaySeconds":2,"periodSeconds":1}}]' >/dev/null
expect_out "a readiness probe rolls out" 'successfully rolled out' rollout web 50
creds
python3 - "$T" "$PORT" >"$T/avail" 2>&1 <<'PY' &
# Each watch starts from a list's resourceVersion, so the lowest values count whole states.
import http.client, json, ssl, sys, threading
t, port = sys.argv[1], int(sys.argv[2])
ctx = ssl.create_default_context(cafile=t + '/ca.crt')
ctx.load_cert_chain(t + '/admin.crt', t + '/admin.key')
low, pods, lock = {'avail': None, 'ready': None}, {}, threading.Lock()
def note(k, v):
    with lock:
        if low[k] is None or v < low[k]:
            low[k] = v
        print(low['avail'], low['ready'], flush=True)
def ready(o):
    return 'deletionTimestamp' not in o['metadata'] and any(
        c['type'] == 'Ready' and c['status'] == 'True' for c in o.get('status', {}).get('conditions', []))
def follow(path, sel, on_list, on_event):
    c = http.client.HTTPSConnection('127.0.0.1', port, context=ctx, timeout=300)
    c.request('GET', path + '?' + sel)
    l = json.loads(c.getresponse().read())
    on_list(l['items'])
    c.request('GET', path + '?watch=true&' + sel + '&resourceVersion=' + l['metadata']['resourceVersion'])
    r = c.getresponse()
    for line in iter(r.readline, b''):
        on_event(json.loads(line))
def dep_list(items):
    note('avail', items[0].get('status', {}).get('availableReplicas', 0))
def dep_event(ev):
    note('avail', ev['object'].get('status', {}).get('availableReplicas', 0))
def pod_list(items):
    for o in items:
        pods[o['metadata']['name']] = ready(o)
    note('ready', sum(pods.values()))
def pod_event(ev):
    pods[ev['object']['metadata']['name']] = ev['type'] != 'DELETED' and ready(ev['object'])
    note('ready', sum(pods.values()))
threading.Thread(target=follow, daemon=True, args=('/apis/apps/v1/namespaces/default/deployments',
    'fieldSelector=metadata.name%3Dweb', dep_list, dep_event)).start()
follow('/api/v1/namespaces/default/pods', 'labelSelector=app%3Dweb', pod_list, pod_event)
PY
MON=$!
sleep 1
k set image deployment/web busybox="$IMG2" >/dev/null
expect_out "set image rolls out" 'successfully rolled out' rollout web 50
kill $MON; wait $MON 2>/dev/null || true
read -r min minready < <(tail -1 "$T/avail")
echo "# during the rolling update: lowest availableReplicas $min, fewest ready pods $minready"
[ "$min" -ge 3 ] || fail "availableReplicas dropped to $min (< 3)"
[ "$minready" -ge 3 ] || fail "ready pods dropped to $minready (< 3)"
pass "the rolling update kept at least 3 of 4 available"
[ "$(pods_with web "$IMG2")" = 4 ] || fail "4 pods run the new image"
[ "$(rs_count web)" = 3 ] || fail "three ReplicaSets (the old ones kept at 0 for history)"
expect_out "the old ReplicaSets are scaled to 0" ' +0 +0 +0 ' k get rs -l app=web --no-headers
expect_out "rollout history lists revisions 1 to 3" '^3 ' k rollout history deployment/web

# ---- undo, restart ----
k rollout undo deployment/web >/dev/null
expect_out "rollout undo rolls back" 'successfully rolled out' rollout web 50
[ "$(dj web '{.spec.template.spec.containers[0].image}')" = "$IMG" ] || fail "undo restores the image"
[ "$(pods_with web "$IMG")" = 4 ] || fail "4 pods run the old image again"
[ "$(dj web '{.metadata.annotations.deployment\.kubernetes\.io/revision}')" = 4 ] || fail "undo is revision 4"
[ "$(rs_count web)" = 3 ] || { k get rs -l app=web; fail "undo made a ReplicaSet instead of reusing revision 2's"; }
pass "rollout undo: the previous template back as revision 4, on its old ReplicaSet"

before=$(k get pods -l app=web -o jsonpath='{.items[*].metadata.name}')
k rollout restart deployment/web >/dev/null
expect_out "rollout restart rolls out" 'successfully rolled out' rollout web 50
after=$(k get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.metadata.name}{"\n"}{end}' | sed -n 's/^|//p')
[ "$(wc -w <<<"$after")" = 4 ] || fail "4 pods after the restart: $after"
for p in $after; do grep -qw "$p" <<<"$before" && fail "pod $p survived the restart"; done
[ -n "$(dj web '{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')" ] || fail "restartedAt"
pass "rollout restart replaced every pod"

# ---- pause and resume ----
k rollout pause deployment/web >/dev/null
n=$(rs_count web)
k set image deployment/web busybox="$IMG2" >/dev/null
sleep 2
[ "$(rs_count web)" = "$n" ] || { k get rs; fail "a paused deployment made a ReplicaSet"; }
expect_out "a paused deployment reports DeploymentPaused" 'DeploymentPaused' dj web '{.status.conditions[?(@.type=="Progressing")].reason}'
k rollout resume deployment/web >/dev/null
expect_out "resume rolls out the change made while paused" 'successfully rolled out' rollout web 50
[ "$(pods_with web "$IMG2")" = 4 ] || fail "resumed: 4 pods run the new image"

# ---- scale down ----
k scale deployment web --replicas=1 >/dev/null
wait_for "scale down to one pod" 60 test "$(pods_with web "$IMG2")" = 1
expect_out "scale down: SuccessfulDelete events" 'SuccessfulDelete.*Deleted pod: web-' k get events --field-selector involvedObject.kind=ReplicaSet

# ---- Recreate: the old pods are gone before a new one exists ----
k create deployment rec --image="$IMG" --replicas=2 -- sh -c 'trap "exit 0" TERM; while true; do sleep 1; done' >/dev/null
k patch deployment rec -p '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}' >/dev/null
expect_out "Recreate deployment rolls out" 'successfully rolled out' rollout rec
( while :; do
    echo "$(pods_with rec "$IMG") $(k get pods -l app=rec -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | grep -c "$IMG2")" >>"$T/rec"
    sleep 0.2
  done ) &
MON=$!
k set image deployment/rec busybox="$IMG2" >/dev/null
expect_out "Recreate rolls out the new image" 'successfully rolled out' rollout rec 50
kill $MON; wait $MON 2>/dev/null || true
awk '$1 > 0 && $2 > 0 { bad = 1 } END { exit bad }' "$T/rec" || { cat "$T/rec"; fail "Recreate: old and new pods at once"; }
pass "Recreate: no new pod while an old one ran"

# ---- progress deadline ----
k create deployment stuck --image="$REG/tools/missing:1" >/dev/null
k patch deployment stuck -p '{"spec":{"progressDeadlineSeconds":3}}' >/dev/null
expect_err "rollout status reports an exceeded progress deadline" 'exceeded its progress deadline' rollout stuck 60
expect_out "Progressing=False ProgressDeadlineExceeded" 'ProgressDeadlineExceeded' dj stuck '{.status.conditions[?(@.type=="Progressing")].reason}'

# ---- adoption: an orphan pod matching a ReplicaSet's selector is adopted ----
hash=$(k get rs -l app=rec -o jsonpath='{range .items[?(@.spec.replicas>0)]}{.metadata.labels.pod-template-hash}{end}')
k run orphan --image="$IMG2" --labels="app=rec,pod-template-hash=$hash" --command -- sh -c 'trap "exit 0" TERM; while true; do sleep 1; done' >/dev/null
wait_for "the ReplicaSet adopts or removes the orphan" 30 \
  test "$(k get pods -l app=rec --no-headers 2>/dev/null | grep -vc Terminating)" = 2
owner=$(k get pod orphan -o jsonpath='{.metadata.ownerReferences[0].kind}' 2>/dev/null || true)
[ -z "$(k get pod orphan -o name 2>/dev/null)" ] || [ "$owner" = ReplicaSet ] || fail "orphan kept without owner"
pass "a matching orphan pod is adopted (replicas stay 2)"

echo "# $PASSED checks passed"
