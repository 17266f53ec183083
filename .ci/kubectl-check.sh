#!/usr/bin/env bash
# kubectl against the offline sandbox, as against a cluster: server-side Table columns, `apply` validated by the
# server (no --validate=false), an invalid manifest refused with its field path, the TkeServiceConfig CRD and a
# config applied (an out-of-range value refused naming the field), the auto config the controller made, `kubectl wait` on an address
# and on the LoadBalancerSynced condition, `explain`,
# describe and events, the deployment manifests rendered by kustomize and applied, and the controller reacting
# to what kubectl creates, changes and deletes. .ci/run calls this when kubectl can be had.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
export KUBECONFIG="$work/kubeconfig"
node_modules/.bin/node dist/src/cli/main.js sandbox --kubeconfig "$KUBECONFIG" > "$work/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true; wait $sandbox 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q 'Fake Kubernetes API' "$work/sandbox.log" && break; sleep 0.5; done
grep -q 'Fake Kubernetes API' "$work/sandbox.log" || { cat "$work/sandbox.log"; echo 'kubectl-check: the sandbox did not start'; exit 1; }
passed=0
ok() { echo "kubectl-check: ok: $1"; passed=$((passed + 1)); }
fail() { echo "kubectl-check: FAILED: $1"; echo "kubectl-check: $passed passed, 1 failed"; exit 1; }
kubectl_version=$(kubectl version --client -o json 2> /dev/null | grep -o '"gitVersion": *"[^"]*"' | head -1 | grep -o 'v[0-9.]*' || echo '?')
# kubectl >= 1.25 asks the server to validate (fieldValidation=Strict, learnt from /openapi/v3). An older one
# (Debian's kubernetes-client is 1.20) validates client-side from /openapi/v2, which the fake does not serve:
# it gets --validate=false, the server still refuses wrong types, and unknown fields are only warned about.
minor=$(sed -E 's/^v1\.([0-9]+).*/\1/' <<< "$kubectl_version"); [[ "$minor" =~ ^[0-9]+$ ]] || minor=0
validate=(); [ "$minor" -ge 25 ] || validate=(--validate=false)
echo "kubectl-check: kubectl $kubectl_version${validate:+ (${validate[*]})} against $(grep -o 'http://[0-9.:]*' "$work/sandbox.log" | head -1)"

# ---- server-side printing: the columns a real API server prints ---------------------------------------------
header() { kubectl get "$1" 2> /dev/null | sed -n 1p | tr -s ' '; }
expect_header() {
  local got; got=$(header "$1")
  [ "$got" = "$2" ] || fail "kubectl get $1 printed \"$got\", not \"$2\""
}
expect_header services 'NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE'
expect_header ingresses 'NAME CLASS HOSTS ADDRESS PORTS AGE'
expect_header nodes 'NAME STATUS ROLES AGE VERSION'
expect_header pods 'NAME READY STATUS RESTARTS AGE'
expect_header endpointslices 'NAME ADDRESSTYPE PORTS ENDPOINTS AGE'
ok 'Table columns of services, ingresses, nodes, pods, endpointslices'
row=$(kubectl get service example-basic --no-headers | tr -s ' ')
[[ "$row" =~ ^example-basic\ LoadBalancer\ 10\.[0-9.]+\ [0-9.]+\ 80:[0-9]+/TCP,443:[0-9]+/TCP\ [0-9]+[sm] ]] || fail "the Service row is \"$row\""
ok "a LoadBalancer Service's row: $row"

# ---- apply, validated by the server ---------------------------------------------------------------------------
cat > "$work/svc.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: kubectl-check
  namespace: default
spec:
  type: LoadBalancer
  selector: { app: kubectl-check }
  ports: [{ name: http, port: 8080, targetPort: 80, protocol: TCP }]
YAML
kubectl apply "${validate[@]}" -f "$work/svc.yaml" > /dev/null || fail 'kubectl apply (validating) refused a valid Service'
ok "kubectl apply -f ${validate[*]:-without --validate=false}"
if [ "$minor" -ge 23 ]; then
  kubectl wait --for=jsonpath='{.status.loadBalancer.ingress}' service/kubectl-check --timeout=30s > /dev/null || fail 'kubectl wait saw no address'
else # kubectl wait --for=jsonpath came with 1.23
  for _ in $(seq 1 60); do [ -n "$(kubectl get service kubectl-check -o jsonpath='{.status.loadBalancer.ingress}')" ] && break; sleep 0.5; done
fi
ip=$(kubectl get service kubectl-check -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
lb=$(kubectl get service kubectl-check -o jsonpath='{.metadata.annotations.service\.kubernetes\.io/loadbalance-id}')
if [ "$minor" -ge 23 ]; then ok "kubectl wait --for=jsonpath='{.status.loadBalancer.ingress}': $ip on $lb"; else ok "an address (polled: kubectl < 1.23 has no wait --for=jsonpath): $ip on $lb"; fi
kubectl wait --for=condition=LoadBalancerSynced service/kubectl-check --timeout=30s > /dev/null || fail "kubectl wait --for=condition=LoadBalancerSynced: $(kubectl get service kubectl-check -o jsonpath='{.status.conditions}')"
node_modules/.bin/node dist/src/cli/main.js explain service/kubectl-check --kubeconfig "$KUBECONFIG" > "$work/explain.out" 2>&1 || fail "explain failed: $(cat "$work/explain.out")"
grep -q 'Synced: *True' "$work/explain.out" && grep -q 'Bound: a backend' "$work/explain.out" || fail "explain shows no synced CLB with backends: $(cat "$work/explain.out")"
ok "kubectl wait --for=condition=LoadBalancerSynced; explain service/kubectl-check shows it synced, with its backends"

cat > "$work/bad.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: { name: kubectl-check-bad, namespace: default }
spec:
  type: LoadBalancer
  ports: [{ port: eighty, tagetPort: 80 }]
YAML
if kubectl apply "${validate[@]}" -f "$work/bad.yaml" > "$work/bad.out" 2>&1; then fail 'an invalid Service was accepted'; fi
grep -q 'spec.ports\[0\].port: Invalid value: "eighty"' "$work/bad.out" || fail "no field path for the wrong type: $(cat "$work/bad.out")"
if [ "$minor" -ge 25 ]; then
  grep -q 'unknown field "spec.ports\[0\].tagetPort"' "$work/bad.out" || fail "no field path for the unknown field: $(cat "$work/bad.out")"
fi
kubectl get service kubectl-check-bad > /dev/null 2>&1 && fail 'the invalid Service was stored'
ok "an invalid manifest refused: $(grep -o 'spec.ports\[0\].port: Invalid value: "eighty"[^*]*' "$work/bad.out" | head -1 | sed 's/ *$//')"

# ---- custom resources: the TkeServiceConfig CRD, then a config, as a user would apply them ------------------
kubectl apply "${validate[@]}" -f manifests/crds/ > "$work/crds.out" 2>&1 || fail "kubectl apply -f manifests/crds/ failed: $(cat "$work/crds.out")"
kubectl apply "${validate[@]}" -f manifests/examples/tke-service-config.yaml > "$work/tsc.out" 2>&1 || fail "the TkeServiceConfig example was refused: $(cat "$work/tsc.out")"
expect_header tkeserviceconfigs 'NAME AGE'
# The sandbox applied every example config; the one just applied is listed with its age.
row=$(kubectl get tsc --no-headers | tr -s ' ' | grep '^example-tke-service-config ' || true)
[[ "$row" =~ ^example-tke-service-config\ [0-9]+[smh] ]] || fail "kubectl get tsc printed \"$(kubectl get tsc --no-headers)\""
kubectl get tkeserviceconfigs example-tke-service-config -o yaml | grep -q 'sessionExpireTime: 3600' || fail 'kubectl get tkeserviceconfigs -o yaml lacks the spec'
ok "kubectl apply -f manifests/crds/ && kubectl apply -f manifests/examples/tke-service-config.yaml; kubectl get tkeserviceconfigs: $row"
sed 's/name: example-tke-service-config$/name: kubectl-check-out-of-range/; s/intervalTime: 10$/intervalTime: 500/' manifests/examples/tke-service-config.yaml \
  | awk 'BEGIN { RS = "\n---\n" } NR == 1' > "$work/bad-tsc.yaml"
if kubectl apply "${validate[@]}" -f "$work/bad-tsc.yaml" > "$work/bad-tsc.out" 2>&1; then fail 'an out-of-range TkeServiceConfig was accepted'; fi
field='spec.loadBalancer.l4Listeners[0].healthCheck.intervalTime'
grep -qF "$field: Invalid value: 500: $field in body should be less than or equal to 300" "$work/bad-tsc.out" || fail "no field and range for the out-of-range value: $(cat "$work/bad-tsc.out")"
kubectl get tsc kubectl-check-out-of-range > /dev/null 2>&1 && fail 'the out-of-range TkeServiceConfig was stored'
ok "an out-of-range TkeServiceConfig refused: $field: Invalid value: 500 … should be less than or equal to 300"
# tke-service-config-auto: the controller made the config from the Service's listener; kubectl sees it, owned.
auto=example-tke-service-config-auto-auto-service-config
for _ in $(seq 1 60); do kubectl get tsc "$auto" > /dev/null 2>&1 && break; sleep 0.5; done
kubectl get tsc "$auto" -o yaml > "$work/auto.yaml" 2>&1 || fail "the auto TkeServiceConfig $auto was not made: $(cat "$work/auto.yaml")"
grep -q 'kind: Service' "$work/auto.yaml" && grep -q 'intervalTime:' "$work/auto.yaml" || fail "$auto lacks its owner or the listener's health check: $(cat "$work/auto.yaml")"
ok "tke-service-config-auto: kubectl get tsc $auto shows the listener's health check and its owner Service"

# ---- real traffic: the VIP kubectl shows answers, through the mock CLB, from a Pod of the Service --------------
vip=$(kubectl get service example-basic -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
port=$(grep -o 'curl http://[0-9.]*:\?[0-9]*/' "$work/sandbox.log" | head -1 | sed -E 's#curl http://[0-9.]+:?([0-9]*)/#\1#')
if command -v curl > /dev/null; then
  answer=$(curl -s --max-time 5 "http://$vip${port:+:$port}/" || true)
  [[ "$answer" =~ ^example-basic-[0-9] ]] || fail "curl http://$vip${port:+:$port}/ answered \"$answer\", not a Pod of example-basic"
  ok "curl http://\$(kubectl get svc example-basic -o jsonpath=…)/ → $answer (through the mock CLB on $vip)"
else
  echo 'kubectl-check: skipped: the traffic check (no curl)'
fi

# ---- describe, events ------------------------------------------------------------------------------------
kubectl describe service kubectl-check > "$work/describe.out" || fail 'kubectl describe failed'
grep -q 'EnsuredLoadBalancer' "$work/describe.out" || fail "kubectl describe shows no EnsuredLoadBalancer event: $(tail -5 "$work/describe.out")"
ok 'kubectl describe service shows its Events'
events=$(kubectl get events --sort-by=.lastTimestamp)
head -1 <<< "$events" | tr -s ' ' | grep -q '^LAST SEEN TYPE REASON OBJECT MESSAGE' || fail "kubectl get events printed $(head -1 <<< "$events")"
grep -q 'service/kubectl-check' <<< "$events" || fail 'no event of service/kubectl-check'
ok "kubectl get events --sort-by=.lastTimestamp ($(($(wc -l <<< "$events") - 1)) events)"

# ---- the deployment manifests, rendered and applied -------------------------------------------------------
kubectl kustomize manifests/ > "$work/rendered.yaml" || fail 'kubectl kustomize manifests/ failed'
# The ServiceMonitor needs the Prometheus Operator's CRD, which the fake does not serve (as a cluster without it).
awk 'BEGIN { RS = "\n---\n"; ORS = "\n---\n" } !/\nkind: ServiceMonitor\n/ && !/^kind: ServiceMonitor\n/' "$work/rendered.yaml" > "$work/deploy.yaml"
kubectl apply "${validate[@]}" -f "$work/deploy.yaml" > "$work/apply.out" 2>&1 || fail "the rendered manifests were refused: $(cat "$work/apply.out")"
kubectl apply "${validate[@]}" -f "$work/deploy.yaml" | grep -qv unchanged && fail 'a second apply of the same manifests changed something'
kubectl -n clb-controller get deployment clb-controller > /dev/null || fail 'no Deployment after the apply'
ok "kubectl kustomize manifests/ | kubectl apply -f - (server-side validated): $(wc -l < "$work/apply.out") objects, a second apply unchanged"

# ---- the controller reacts to changes and deletes ----------------------------------------------------------
sed -i 's/port: 8080,/port: 9090,/' "$work/svc.yaml"
kubectl apply "${validate[@]}" -f "$work/svc.yaml" > /dev/null
ports=$(kubectl get service kubectl-check -o jsonpath='{.spec.ports[*].port}')
[ "$ports" = 9090 ] || fail "after the port change the Service's ports are $ports"
kubectl delete service kubectl-check --wait=true --timeout=30s > /dev/null
if kubectl get service kubectl-check > /dev/null 2>&1; then fail 'the Service was not cleaned up'; fi
ok 'apply a change, delete (the finalizer released)'
echo "kubectl-check: $passed passed, 0 failed"
