#!/usr/bin/env bash
# kubectl against the offline sandbox: the controller must react to what kubectl creates, changes and
# deletes. Needs kubectl (Debian's kubernetes-client); .ci/run calls this when it can install it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
export KUBECONFIG="$work/kubeconfig"
node_modules/.bin/node dist/src/cli/main.js sandbox --kubeconfig "$KUBECONFIG" > "$work/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true; wait $sandbox 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q 'Fake Kubernetes API' "$work/sandbox.log" && break; sleep 0.5; done
grep -q 'Fake Kubernetes API' "$work/sandbox.log" || { cat "$work/sandbox.log"; echo 'kubectl-check: the sandbox did not start'; exit 1; }

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
kubectl get services > /dev/null
kubectl apply --validate=false -f "$work/svc.yaml"
ip=''
for _ in $(seq 1 60); do
  ip=$(kubectl get service kubectl-check -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)
  [ -n "$ip" ] && break; sleep 0.5
done
[ -n "$ip" ] || { echo 'kubectl-check: the Service got no load balancer address'; exit 1; }
lb=$(kubectl get service kubectl-check -o jsonpath='{.metadata.annotations.service\.kubernetes\.io/loadbalance-id}')
echo "kubectl-check: Service kubectl-check got $ip on $lb"

sed -i 's/port: 8080,/port: 9090,/' "$work/svc.yaml"
kubectl apply --validate=false -f "$work/svc.yaml"
kubectl delete service kubectl-check --wait=true --timeout=30s
if kubectl get service kubectl-check > /dev/null 2>&1; then echo 'kubectl-check: the Service was not cleaned up'; exit 1; fi
echo 'kubectl-check: create, apply and delete through kubectl: 1 passed, 0 failed'
