import { describe, expect, it } from "vitest";
import { fakeApi, versionDetail } from "../test/factories";
import { ApiProblem, type VersionDetail, type VersionSummary } from "./api";
import { permissionsFor } from "./session.svelte";
import { Workspace } from "./workspace.svelte";

function summary(detail: VersionDetail): VersionSummary {
  const { document: _d, cases: _c, ...rest } = detail;
  return rest;
}

/** An in-memory server of one program, enough to walk a version through its life. */
function server() {
  const versions = new Map<number, VersionDetail>([[1, versionDetail({ version: 1, status: "published", basedOn: null, effectiveFrom: "2026-01-01T00:00:00.000Z" })]]);
  const calls: string[] = [];
  const api = fakeApi({
    programs: async () => [{ id: "beiguo", name: { zh: "北国商城会员卡", en: "Beiguo" }, versions: versions.size, inForce: 1 }],
    versions: async () => [...versions.values()].map(summary).reverse(),
    version: async (_p, v) => structuredClone(versions.get(v)!),
    createDraft: async (_p, basedOn) => {
      const v = versions.size + 1;
      versions.set(v, { ...versionDetail({ version: v, basedOn }), cases: structuredClone(versions.get(basedOn)!.cases) });
      calls.push(`create ${v} from ${basedOn}`);
      return { ...summary(versions.get(v)!), validation: { ok: false, diagnostics: [], cases: { total: 0, failed: [] } } };
    },
    saveDraft: async (_p, v, content) => {
      const row = versions.get(v)!;
      versions.set(v, { ...row, document: (content.document ?? row.document) as VersionDetail["document"], cases: (content.cases ?? row.cases) as VersionDetail["cases"] });
      calls.push(`save ${v}`);
      return { ...summary(row), validation: { ok: true, diagnostics: [], cases: { total: 1, failed: [] } } };
    },
    submit: async (_p, v) => {
      const row = versions.get(v)!;
      if (row.status !== "draft") throw new ApiProblem(409, "conflict", "not a draft");
      versions.set(v, { ...row, status: "submitted", submittedBy: "k_marketer" });
      calls.push(`submit ${v}`);
      return summary(versions.get(v)!);
    },
  });
  return { api, versions, calls };
}

describe("Workspace", () => {
  it("opens the version in force of the first program, read-only for a marketer", async () => {
    const { api } = server();
    const ws = new Workspace(api, permissionsFor("marketer"));
    await ws.load();
    expect(ws.programId).toBe("beiguo");
    expect(ws.draft?.meta.version).toBe(1);
    expect(ws.draft?.editable).toBe(false);
  });

  it("starts a draft from a version, saves the change with accepted cases, and submits it", async () => {
    const { api, versions, calls } = server();
    const ws = new Workspace(api, permissionsFor("marketer"));
    await ws.load();
    await ws.newDraft(1);
    const draft = ws.draft!;
    expect(draft.meta.version).toBe(2);
    expect(draft.editable).toBe(true);
    expect(draft.baselineVersion).toBe(1);
    draft.setDiscount("silver", "fullPrice", 8);
    draft.acceptCaseResults();
    expect(draft.submittable).toBe(true);
    await ws.submit();
    expect(calls).toEqual(["create 2 from 1", "save 2", "submit 2"]);
    expect(ws.notice).toMatchObject({ kind: "ok", key: "draft.submitted" });
    expect(draft.meta.status).toBe("submitted");
    expect(draft.editable).toBe(false);
    const saved = versions.get(2)!.document as { rules: { id: string; event: { params: { percent?: number } } }[] };
    expect(saved.rules.find((r) => r.id === "silver-full-price")!.event.params.percent).toBe(8);
    expect(ws.versions.map((v) => [v.version, v.status])).toEqual([
      [2, "submitted"],
      [1, "published"],
    ]);
  });

  it("opens the newest version still on its way for the approver", async () => {
    const { api, versions } = server();
    versions.set(2, versionDetail({ version: 2, status: "submitted" }));
    const ws = new Workspace(api, permissionsFor("approver"));
    await ws.load();
    expect(ws.draft?.meta.version).toBe(2);
    expect(ws.draft?.editable).toBe(false);
  });

  it("reports a refused action as a problem the screen can show", async () => {
    const { api } = server();
    const ws = new Workspace(fakeApi({ ...api, programs: () => Promise.reject(new ApiProblem(403, "forbidden", "role pos may not")) }), permissionsFor("marketer"));
    await ws.load();
    expect(ws.notice).toMatchObject({ kind: "error", key: "error.forbidden" });
  });
});
