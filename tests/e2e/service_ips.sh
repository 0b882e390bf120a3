#!/usr/bin/env bash
# service_ips.sh: ClusterIP allocation from the service range (--service-cidr) with the
# Kubernetes rules: each Service gets a free address of the range, never the network,
# broadcast or .1 (the kubernetes Service's); a requested address is honoured when free and
# in range, else 422 with Kubernetes' words; a deleted Service's address is free again;
# headless (None) and ExternalName Services get none.
source "$(dirname "$0")/lib/common.sh"
start_server --service-cidr 10.96.0.0/28

expect_out "the kubernetes Service has the range's first address" '^10\.96\.0\.1$' \
  k get svc kubernetes -o 'jsonpath={.spec.clusterIP}'
for i in $(seq 13); do
  k create service clusterip "s$i" --tcp=80 >/dev/null || fail "create s$i"
done
ips=$(k get svc -o 'jsonpath={range .items[*]}{.spec.clusterIP}{"\n"}{end}' | sort)
[ "$(wc -l <<<"$ips")" = 14 ] || { echo "$ips"; fail "14 Services"; }
[ "$(sort -u <<<"$ips" | wc -l)" = 14 ] || { echo "$ips"; fail "duplicate ClusterIPs"; }
grep -Eqx '10\.96\.0\.(0|15)' <<<"$ips" && { echo "$ips"; fail "network or broadcast address given"; }
grep -Evqx '10\.96\.0\.([1-9]|1[0-4])' <<<"$ips" && { echo "$ips"; fail "an address outside the range"; }
pass "14 Services, the 14 usable addresses of 10.96.0.0/28 (network and broadcast never)"
expect_err "a full range" 'range is full' k create service clusterip s14 --tcp=80
taken=$(k get svc s1 -o 'jsonpath={.spec.clusterIP}')
expect_err "a requested address that is taken: 422" \
  "spec.clusterIPs: Invalid value: \[\]string\{\"$taken\"\}: failed to allocate IP $taken: provided IP is already allocated" \
  k create service clusterip dup --tcp=80 --clusterip="$taken"
expect_err "a requested address outside the range: 422" \
  'failed to allocate IP 10\.0\.0\.9: provided IP 10\.0\.0\.9 is not in the valid range' \
  k create service clusterip far --tcp=80 --clusterip=10.0.0.9
expect_out "delete frees the address" 'deleted' k delete svc s1
expect_out "a requested free address is honoured" "^$taken\$" bash -c \
  "kubectl --cache-dir $T/cache create service clusterip again --tcp=80 --clusterip=$taken >/dev/null && kubectl --cache-dir $T/cache get svc again -o 'jsonpath={.spec.clusterIP}'"
expect_out "headless: None" '^None$' bash -c \
  "kubectl --cache-dir $T/cache create service clusterip hl --clusterip=None >/dev/null && kubectl --cache-dir $T/cache get svc hl -o 'jsonpath={.spec.clusterIP}'"
expect_out "ExternalName: no address" '^$' bash -c \
  "kubectl --cache-dir $T/cache create service externalname ext --external-name=example.com >/dev/null && kubectl --cache-dir $T/cache get svc ext -o 'jsonpath={.spec.clusterIP}'"
done_tests
