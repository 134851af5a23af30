import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Service } from "kubernetes-models/v1";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const DIR = "deploy/kubernetes";
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  Deployment,
  HorizontalPodAutoscaler,
  Job,
  PodDisruptionBudget,
  Service,
  ServiceMonitor,
};

function manifests(): Array<Record<string, any>> {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), "utf8")).map((d) => d.toJS() as Record<string, any>));
}

const one = (kind: string) => {
  const found = manifests().filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};

describe("Kubernetes manifests (deploy/kubernetes), against the Kubernetes and Prometheus Operator schemas", () => {
  it("every document validates, and the kustomization lists every file", () => {
    const all = manifests();
    expect(all.map((m) => m.kind).sort()).toEqual(Object.keys(MODELS).sort());
    for (const manifest of all) expect(() => new MODELS[manifest.kind](manifest).validate(), `${manifest.kind} ${manifest.metadata?.name}`).not.toThrow();
    const listed = (parse(readFileSync(join(DIR, "kustomization.yaml"), "utf8")) as { resources: string[] }).resources.sort();
    expect(listed).toEqual(readdirSync(DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").sort());
  });

  it("the validation catches a broken manifest (so the test above can fail)", () => {
    const broken = structuredClone(one("Deployment"));
    broken.spec.replicas = "two";
    expect(() => new Deployment(broken).validate()).toThrow();
  });

  it("probes readiness on /readyz and liveness on /healthz; the Service, budget, autoscaler and monitor point at the Deployment", () => {
    const deployment = one("Deployment");
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    const labels = pod.metadata.labels;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const service = one("Service");
    expect(matches(service.spec.selector)).toBe(true);
    const portNames = container.ports.map((p: { name: string }) => p.name);
    for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
    expect(matches(one("PodDisruptionBudget").spec.selector.matchLabels)).toBe(true);
    expect(one("HorizontalPodAutoscaler").spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: deployment.metadata.name });
    const monitor = one("ServiceMonitor");
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v)).toBe(true);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(monitor.spec.endpoints[0].port);
    expect(container.env.find((e: { name: string }) => e.name === "METRICS_PORT").value).toBe(String(container.ports.find((p: { name: string }) => p.name === "metrics").containerPort));
    expect(one("Job").spec.template.spec.containers[0].args).toEqual(["node", "dist/main.js", "migrate"]);
  });

  it("the Dockerfile is multi-stage, runs as a non-root user and has a HEALTHCHECK; compose has PostgreSQL, two instances and HAProxy", () => {
    const dockerfile = readFileSync("Dockerfile", "utf8");
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/readyz/m);
    const compose = parse(readFileSync("compose.yaml", "utf8")) as { services: Record<string, { image?: string; build?: string }> };
    expect(Object.keys(compose.services).sort()).toEqual(["app1", "app2", "haproxy", "postgres"]);
    expect(compose.services.app2.build).toBe(".");
  });
});
