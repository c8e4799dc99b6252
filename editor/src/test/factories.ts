/** Factories for the editor's tests: versions as the API returns them, and a fake API. */
import casesFile from "../../../policies/beiguo/cases.json";
import v1 from "../../../policies/beiguo/v1.json";
import type { EditorApi, VersionDetail } from "../lib/api";

/** The shipped Beiguo program, as a fresh copy. */
export function beiguoDocument(): Record<string, unknown> {
  return structuredClone(v1) as Record<string, unknown>;
}

/** The shipped Beiguo cases, as a fresh copy. */
export function beiguoCases(): unknown[] {
  return structuredClone(casesFile) as unknown[];
}

/** A version as GET /v1/programs/{id}/versions/{v} answers it. */
export function versionDetail(overrides: Partial<VersionDetail> = {}): VersionDetail {
  const version = overrides.version ?? 2;
  return {
    id: `pv_${version}`,
    programId: "beiguo",
    version,
    status: "draft",
    contentHash: "hash",
    effectiveFrom: null,
    effectiveTo: null,
    basedOn: version > 1 ? version - 1 : null,
    createdBy: "k_marketer",
    submittedBy: null,
    approvedBy: null,
    publishedBy: null,
    createdAt: "2026-11-20T08:00:00.000Z",
    publishedAt: null,
    document: { ...beiguoDocument(), version } as VersionDetail["document"],
    cases: beiguoCases() as VersionDetail["cases"],
    ...overrides,
  };
}

/** A fake API: every call fails unless the test gives it. */
export function fakeApi(calls: Partial<EditorApi>): EditorApi {
  return new Proxy(calls as EditorApi, {
    get(target, name) {
      if (typeof name !== "string" || name === "then" || name in target) return (target as Record<PropertyKey, unknown>)[name];
      return () => Promise.reject(new Error(`unexpected call ${name}`));
    },
  });
}
