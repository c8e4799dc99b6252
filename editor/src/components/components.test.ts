import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "../App.svelte";
import { ApiProblem, type EditorApi } from "../lib/api";
import { contextFor } from "../lib/context";
import { DraftState } from "../lib/draft.svelte";
import { Locale } from "../lib/i18n.svelte";
import { ReceiptState } from "../lib/receipt.svelte";
import { Session } from "../lib/session.svelte";
import { beiguoDocument, fakeApi, programVersion, versionDetail } from "../test/factories";
import CasesPanel from "./CasesPanel.svelte";
import ProgramForm from "./ProgramForm.svelte";
import SignIn from "./SignIn.svelte";
import TryReceipt from "./TryReceipt.svelte";

function setup(role: "marketer" | "pos" | "approver" = "marketer", calls: Partial<EditorApi> = {}) {
  const locale = new Locale("zh");
  const api = fakeApi({ whoami: async () => ({ keyId: "k_1", name: "王丽", role }), ...calls });
  const session = new Session(() => api);
  return { locale, session, api, context: contextFor(locale, session) };
}

describe("SignIn", () => {
  it("speaks Chinese by default and says why a key is refused", async () => {
    const { context, locale } = setup("marketer", { whoami: () => Promise.reject(new ApiProblem(401, "unauthorized", "unknown or revoked API key")) });
    render(SignIn, { props: { onToggleLanguage: () => locale.toggle() }, context });
    expect(screen.getByRole("heading", { name: "登录" })).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("API 密钥"), { target: { value: "mps_wrong" } });
    await fireEvent.click(screen.getByRole("button", { name: "登录" }));
    expect(await screen.findByText("密钥无效或已被撤销")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "English" }));
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByText("Unknown or revoked key")).toBeTruthy();
  });
});

describe("ProgramForm", () => {
  it("shows the discount matrix and writes an edited percent into the draft", async () => {
    const { context } = setup();
    const draft = new DraftState(versionDetail(), true);
    render(ProgramForm, { props: { draft }, context });
    const silver = screen.getByLabelText("VIP银卡 正价商品") as HTMLInputElement;
    expect(silver.value).toBe("5");
    expect((screen.getByLabelText("VIP贵宾卡 正价商品") as HTMLInputElement).value).toBe("");
    await fireEvent.input(silver, { target: { value: "8" } });
    await fireEvent.change(silver);
    expect(draft.view!.tiers[1]!.discounts.fullPrice!.value).toBe(8);
    expect(draft.text).toContain("银卡正价商品9.2折");
    expect((screen.getByLabelText("VIP银卡 入会门槛(当日百货类现金消费,元)") as HTMLInputElement).value).toBe("5000");
  });

  it("shows the live parking table from the engine's formula", async () => {
    const { context } = setup();
    const draft = new DraftState(versionDetail(), true);
    render(ProgramForm, { props: { draft }, context });
    const table = screen.getByTestId("parking-table");
    expect(table.textContent).toContain("¥599.99");
    const maxHours = screen.getByLabelText("最多(小时)") as HTMLInputElement;
    await fireEvent.input(maxHours, { target: { value: "4" } });
    await fireEvent.change(maxHours);
    await waitFor(() => expect(screen.getByTestId("parking-table").textContent).not.toContain("¥1,200"));
    await fireEvent.input(screen.getByLabelText("试算金额(元)"), { target: { value: "800" } });
    expect(screen.getByTestId("parking-try").textContent).toContain("4");
  });

  it("is read-only for a published version", () => {
    const { context } = setup();
    const draft = new DraftState(versionDetail({ version: 1, status: "published" }), true);
    render(ProgramForm, { props: { draft }, context });
    expect((screen.getByLabelText("VIP银卡 正价商品") as HTMLInputElement).disabled).toBe(true);
  });
});

describe("ProgramForm: supreme club, gifts, recharge plans and card rules", () => {
  const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
  async function type(label: string, value: string) {
    await fireEvent.input(input(label), { target: { value } });
    await fireEvent.change(input(label));
  }
  const sections = () => screen.getAllByRole("heading", { level: 2 }).map((h) => h.id);

  it("shows Beiguo's supreme club, gift catalog and card rules, and writes each edit at its place", async () => {
    const { context } = setup();
    const draft = new DraftState(programVersion("beiguo"), true);
    render(ProgramForm, { props: { draft }, context });
    expect(sections()).toEqual(expect.arrayContaining(["supreme-title", "gifts-title", "hygiene-title"]));
    expect(sections()).not.toContain("recharge-title");

    const oneYear = "至尊VIP评定:一个年度消费超过二十万元 年度消费 大于(元)";
    expect(input(oneYear).value).toBe("200000");
    expect(input("至尊VIP评定:连续两年每年消费不低于十万元 上一年度消费 大于等于(元)").value).toBe("100000");
    expect(input("至尊VIP淘汰:年消费五万元以下降为普通贵宾 年度消费 小于(元)").value).toBe("50000");
    await type(oneYear, "250000");
    expect(draft.view!.supreme[1]!.thresholds[0]).toMatchObject({ value: 25_000_000, pointer: "/rules/25/conditions/all/1/value" });

    await type("年底累计消费奖励:年度消费超过二十万元的至尊VIP奖励积分20000分 积分", "30000");
    expect(draft.view!.supreme[3]!.params[0]!.value).toBe(30_000);
    expect(draft.view!.supreme[3]!.name.zh).toContain("奖励积分30000分");

    expect(input("茶具套装 兑换积分").value).toBe("8000");
    await type("茶具套装 至尊VIP积分兑换:茶具套装", "5000");
    expect(draft.view!.gifts[1]!.prices[0]!.points.value).toBe(5000);

    await type("会员规约 连续多少个月无消费注销会员卡", "36");
    expect(draft.view!.hygiene!.cancelled!.value).toBe(36);
    expect(screen.getByText(/至尊VIP专享服务 · 至尊VIP/)).toBeTruthy();
  });

  it("shows the stored-value recharge plans with each plan's discount", async () => {
    const { context } = setup();
    const draft = new DraftState(programVersion("stored-value"), true);
    render(ProgramForm, { props: { draft }, context });
    expect(sections()).toContain("recharge-title");
    expect(sections()).not.toContain("supreme-title");
    expect(input("充值满3000元赠积分3000分 充值金额 大于等于(元)").value).toBe("3000");
    await type("充值满5000元:全场8.8折方案 储值卡付款折扣(减免 %)", "15");
    expect(draft.view!.recharges[3]!.plan!.discount!.value).toBe(15);
    expect(draft.text).toContain("充值5000元方案:储值卡付款全场8.5折");
    await type("充值满5000元赠积分5000分 积分", "6000");
    expect(draft.view!.recharges[2]!.params[0]!.value).toBe(6000);
  });

  it("shows the café's bonus credit in yuan and its one card rule, in English too", async () => {
    const { context, locale } = setup();
    const draft = new DraftState(programVersion("netcafe"), true);
    render(ProgramForm, { props: { draft }, context });
    expect(input("充100送80 每满(元)").value).toBe("100");
    await type("充100送80 赠送储值(元)", "90");
    expect(draft.view!.recharges[0]!.params[1]!.value).toBe(9_000);
    expect(input("会员规约 连续多少个月无有效消费转为睡眠卡").value).toBe("12");
    expect(screen.queryByLabelText("会员规约 连续多少个月无消费注销会员卡")).toBeNull();
    locale.toggle();
    expect(await screen.findByRole("heading", { name: /Recharge plans/ })).toBeTruthy();
    expect(input("Recharge 100 yuan, get 80 Credit given (yuan)").value).toBe("90");
  });

  it("shows campus and Zhenzi none of these sections, and the campus zone group", () => {
    const { context } = setup();
    for (const program of ["campus", "zhenzi"] as const) {
      const { unmount } = render(ProgramForm, { props: { draft: new DraftState(programVersion(program), true) }, context });
      expect(sections().filter((id) => /^(supreme|gifts|recharge|hygiene)-title$/.test(id))).toEqual([]);
      if (program === "campus") expect(screen.getByRole("group", { name: "区域组 campus" }).textContent).toContain("运动区");
      unmount();
    }
  });
});

describe("CasesPanel", () => {
  it("lists the failing cases and accepts their new results", async () => {
    const { context } = setup();
    const draft = new DraftState(versionDetail(), true);
    draft.setDiscount("silver", "fullPrice", 8);
    render(CasesPanel, { props: { draft }, context });
    expect(screen.getByTestId("cases-summary").textContent).toMatch(/个用例未通过/);
    await fireEvent.click(screen.getByRole("button", { name: "全部接受为预期" }));
    expect(screen.getByTestId("cases-summary").textContent).toMatch(/^全部 \d+ 个用例通过$/);
  });
});

describe("TryReceipt", () => {
  it("decides a basket with the draft and explains why a rule did not fire", async () => {
    const { context, session } = setup();
    await session.signIn("k");
    const draft = new DraftState(versionDetail(), true);
    const receipt = new ReceiptState();
    render(TryReceipt, { props: { receipt, draft }, context });
    await fireEvent.input(screen.getByLabelText("品牌 1"), { target: { value: "Rolex" } });
    await fireEvent.click(screen.getByRole("button", { name: "计算" }));
    expect(screen.getByTestId("line-discount-1").textContent).toBe("¥0");
    expect(screen.getByTestId("trace").textContent).toContain("未满足: 商品品牌 不属于 Apple、Chanel、Hermès、Louis Vuitton、Rolex");
  });
});

describe("App", () => {
  it("shows a POS key only the receipt screen, quoted by the server", async () => {
    const { locale, session } = setup("pos");
    render(App, { props: { locale, session } });
    await fireEvent.input(screen.getByLabelText("API 密钥"), { target: { value: "mps_pos" } });
    await fireEvent.click(screen.getByRole("button", { name: "登录" }));
    await screen.findByText("王丽(收银台)");
    const tabs = screen.getAllByRole("button", { pressed: true }).concat(screen.queryAllByRole("button", { pressed: false }));
    expect(tabs.map((t) => t.textContent)).toEqual(["试算小票"]);
    expect(screen.getByLabelText("会员编号")).toBeTruthy();
  });

  it("opens the program for a marketer, and switching views never changes the document", async () => {
    const doc = beiguoDocument();
    const { locale, session } = setup("marketer", {
      programs: async () => [{ id: "beiguo", name: doc.name as { zh: string; en: string }, versions: 2, inForce: 1 }],
      versions: async () => [versionDetail(), versionDetail({ version: 1, status: "published" })],
      version: async (_p, v) => versionDetail({ version: v, status: v === 1 ? "published" : "draft" }),
    });
    render(App, { props: { locale, session } });
    await session.signIn("mps_marketer");
    await screen.findByLabelText("VIP银卡 正价商品");
    expect(screen.getByTestId("version-status").textContent).toBe("草稿");
    for (const name of ["试算小票", "版本", "方案"]) await fireEvent.click(screen.getByRole("button", { name }));
    expect(screen.getByTestId("version-status").textContent).toBe("草稿");
    expect(screen.queryByText(/有未保存的修改/)).toBeNull();
  });
});
