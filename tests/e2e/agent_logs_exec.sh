#!/usr/bin/env bash
# agent_logs_exec.sh: kubectl logs and exec through the server to a real agent (the server
# pins the agent's certificate from its Node; the agent serves only the server's client
# certificate), the Nitro Enclaves device (a stand-in char device), and bad input at the
# agent: a registry that cannot be reached, a digest that does not exist, a blob whose bytes
# do not match its digest, a command that does not exist — each a clear status and event,
# and the agent keeps running pods.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
mkdir -p "$T/dev"
mknod "$T/dev/nitro_enclaves" c 1 3 # the host's /dev/null, under the Nitro device's name
worker_cluster --nitro-device "$T/dev/nitro_enclaves" --nitro-enclaves 2

pod() { # NAME [RESTART] -- the container's shell script (more YAML on stdin is not needed)
  local name=$1 restart=$2 script=$3
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  restartPolicy: $restart
  terminationGracePeriodSeconds: 2
  containers: [{name: c, image: "$IMG", command: [sh, -c, '$script']}]
EOF
}
started() { p=$(pod_phase "$1"); [ "$p" = Running ] || [ "$p" = Succeeded ]; }
SLEEPER='trap "exit 0" TERM; while :; do sleep 1; done'

# ---- logs ----
pod counter Never 'for i in 1 2 3; do echo line-$i; sleep 1; done'
wait_for "counter starts" 60 started counter
out=$(timeout 30 kubectl --cache-dir "$T/cache" logs -f counter) || fail "logs -f failed"
[ "$out" = $'line-1\nline-2\nline-3' ] || { echo "$out"; fail "logs -f: want line-1..3"; }
pass "kubectl logs -f follows the container until it exits"
expect_out "--tail=1" '^line-3$' k logs counter --tail=1
expect_out "--timestamps (RFC 3339, nanoseconds)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]+Z line-1$' \
  bash -c "kubectl --cache-dir $T/cache logs counter --timestamps | head -1"
expect_out "--limit-bytes" '^line-1$' k logs counter --limit-bytes=6
expect_out "--since=1h keeps all, as recent lines" '^3$' bash -c "kubectl --cache-dir $T/cache logs counter --since=1h | wc -l"

k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers:
  - {name: a, image: "$IMG", command: [sh, -c, 'echo from-a; $SLEEPER']}
  - {name: b, image: "$IMG", command: [sh, -c, 'echo from-b; $SLEEPER']}
EOF
wait_for "two runs" 60 is_phase two Running
wait_for "b logged" 10 bash -c "kubectl --cache-dir $T/cache logs two -c b 2>/dev/null | grep -q from-b"
expect_out "-c picks the container" '^from-b$' k logs two -c b
expect_err "an unknown container" 'container nope is not valid for pod two' k logs two -c nope

k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  restartPolicy: OnFailure
  containers:
  - name: c
    image: "$IMG"
    command: [sh, -c, 'n=\$(cat /d/n 2>/dev/null || echo 0); n=\$((n+1)); echo \$n >/d/n; echo run-\$n; exit 1']
    volumeMounts: [{name: d, mountPath: /d}]
  volumes: [{name: d, emptyDir: {}}]
EOF
restarted() { [ "$(jp crash '{.status.containerStatuses[0].restartCount}')" -ge 1 ] 2>/dev/null; }
wait_for "crash restarted" 60 restarted
wait_for "the second run logged" 10 bash -c "kubectl --cache-dir $T/cache logs crash 2>/dev/null | grep -q run-2"
expect_out "the current run's log" '^run-2$' k logs crash
expect_out "--previous: the run before" '^run-1$' k logs crash --previous
expect_err "--previous without an earlier run" 'previous terminated container "c" in pod "counter" not found' \
  k logs counter --previous

# ---- exec ----
pod sleeper Always "$SLEEPER"
wait_for "sleeper runs" 60 is_phase sleeper Running
st=0
k exec sleeper -- sh -c 'echo out; echo err >&2; exit 3' >"$T/out" 2>"$T/err" || st=$?
[ "$st" = 3 ] || { cat "$T/out" "$T/err"; fail "exec: exit $st, want 3"; }
[ "$(cat "$T/out")" = out ] && grep -qx err "$T/err" || { cat "$T/out" "$T/err"; fail "exec: stdout/stderr"; }
pass "kubectl exec: stdout, stderr and the exit code (3)"
expect_out "exec -i passes stdin" '^got-piped$' bash -c "echo piped | kubectl --cache-dir $T/cache exec -i sleeper -- sh -c 'read x; echo got-\$x'"
expect_err "exec of a missing command" 'nope.*(not found|no such file)' k exec sleeper -- /nope
expect_err "exec into a finished pod" 'completed pod' k exec counter -- true

# ---- Nitro Enclaves ----
expect_out "the node offers aws.ec2.nitro/nitro_enclaves" '^2 2$' \
  k get node w1 -o 'jsonpath={.status.capacity.aws\.ec2\.nitro/nitro_enclaves} {.status.allocatable.aws\.ec2\.nitro/nitro_enclaves}'
k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: enclave}
spec:
  containers:
  - name: c
    image: "$IMG"
    command: [sh, -c, '$SLEEPER']
    resources: {limits: {aws.ec2.nitro/nitro_enclaves: "1"}, requests: {aws.ec2.nitro/nitro_enclaves: "1"}}
EOF
wait_for "enclave runs" 60 is_phase enclave Running
expect_out "a pod asking for it gets the device" '^char$' \
  k exec enclave -- sh -c 'test -c /dev/nitro_enclaves && echo char'
expect_err "a pod not asking for it does not" 'exit code 1' k exec sleeper -- sh -c 'test -e /dev/nitro_enclaves'

# ---- bad input ----
waiting_reason() { jp "$1" '{.status.containerStatuses[0].state.waiting.reason}{.status.containerStatuses[0].state.terminated.reason}'; }
has_event() { # POD REGEX: a Warning event of the pod whose message matches
  k get events --field-selector "involvedObject.name=$1,type=Warning" -o 'jsonpath={range .items[*]}{.message}{"\n"}{end}' 2>/dev/null | grep -Eq -- "$2"
}
bad() { # POD IMAGE WHAT REASON-RE MESSAGE-RE
  k run "$1" --image="$2" --restart=Never >/dev/null
  wait_for "$3: reason" 60 bash -c "[[ \"\$(kubectl --cache-dir $T/cache get pod $1 -o 'jsonpath={.status.containerStatuses[0].state.waiting.reason}')\" =~ $4 ]]"
  expect_out "$3: the status says why" "$5" jp "$1" '{.status.containerStatuses[0].state.waiting.message}'
  wait_for "$3: a Warning event" 10 has_event "$1" "$5"
}
bad unreach 127.0.0.1:1/tools/x:1 "an unreachable registry" '^(ErrImagePull|ImagePullBackOff)$' 'unreachable'
bad nodigest "$REG/tools/busybox@sha256:$(printf '0%.0s' $(seq 64))" "a digest that does not exist" \
  '^(ErrImagePull|ImagePullBackOff)$' 'manifest unknown'
# a second image (its own layer), whose layer blob is then corrupted in the registry's storage
before=$(find "$T/registry/data" -path '*/blobs/sha256/*/data' | sort)
"$(dirname "$0")/../../scripts/busybox-image.sh" "$T/full.tar" 1 || fail "second image"
skopeo copy --quiet "oci-archive:$T/full.tar:1" "docker://$REG/tools/full:1" --dest-tls-verify=false >/dev/null
LAYER=$(comm -13 <(echo "$before") <(find "$T/registry/data" -path '*/blobs/sha256/*/data' | sort) |
        xargs -r ls -S | head -1)
[ -n "$LAYER" ] || fail "no new layer blob in the registry storage"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xff; open(p,"wb").write(bytes(b))' "$LAYER"
bad corrupt "$REG/tools/full:1" "a blob that does not match its digest" '^(ErrImagePull|ImagePullBackOff)$' 'digest mismatch'
k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: badcmd}
spec:
  restartPolicy: Never
  containers: [{name: c, image: "$IMG", command: [/no/such/binary]}]
EOF
wait_for "a missing command: a reason" 60 bash -c "[[ \"\$(kubectl --cache-dir $T/cache get pod badcmd -o 'jsonpath={.status.containerStatuses[0].state.waiting.reason}{.status.containerStatuses[0].state.terminated.reason}')\" =~ ^(RunContainerError|CreateContainerError|StartError|ContainerCannotRun)$ ]]"
wait_for "a missing command: a Warning event naming it" 10 has_event badcmd '/no/such/binary'
pass "a missing command: $(waiting_reason badcmd), with an event naming it"
kill -0 "$AGENT_PID" || fail "the agent died"
pod after Never 'echo still-fine'
wait_for "a pod after the bad ones" 60 is_phase after Succeeded
expect_out "the agent keeps running pods" '^still-fine$' k logs after

k delete pods --all --wait=true --timeout=60s >/dev/null
stop_agent || fail "the agent did not exit cleanly"
pass "SIGTERM stops the agent"
done_tests
