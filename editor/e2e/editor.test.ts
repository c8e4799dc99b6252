/**
 * The editor in Chromium against the real server: a marketer changes a program and an approver
 * publishes it, then the POS sees the change; a bad fact in the JSON view is marked. Each main
 * screen is saved to docs/screenshots for the README.
 */
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEditor, call, chromiumArgs, chromiumPath, screenshotsDir, startServer, type Server } from "./harness";

/** Now in Beijing time with its offset, as the POS sends instants. */
function beijingNow(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs + 8 * 3_600_000).toISOString().slice(0, 19) + "+08:00";
}

/** Waits until a locator's text matches. */
async function waitForText(locator: Locator, pattern: RegExp, timeout = 30_000): Promise<string> {
  const until = Date.now() + timeout;
  let last = "";
  while (Date.now() < until) {
    last = ((await locator.count()) > 0 ? await locator.first().textContent() : "") ?? "";
    if (pattern.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`text ${JSON.stringify(last)} never matched ${pattern}`);
}

const line = { lineId: "1", sku: "SKU-E2E", styleId: "ST-E2E", department: "department_store", quantity: 1, unitPrice: 100_000 };

describe.skipIf(!chromiumPath)("the editor in Chromium", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const keys: Record<"marketer" | "approver" | "pos" | "auditor", string> = { marketer: "", approver: "", pos: "", auditor: "" };
  let memberId = "";
  const shots = screenshotsDir();
  const shot = (name: string, fullPage = false) => page.screenshot({ path: join(shots, `${name}.png`), fullPage });

  beforeAll(async () => {
    buildEditor();
    server = await startServer();
    const names = { marketer: "市场部 王丽", approver: "审批人 张强", pos: "收银台 3号", auditor: "审计 李娜" } as const;
    for (const role of Object.keys(keys) as (keyof typeof keys)[]) keys[role] = (await call(server, server.adminKey, "POST", "/v1/api-keys", { role, name: names[role] })).key;
    // A silver member, enrolled the way the desk does: same-day anonymous evidence of 5,000 yuan.
    const receiptId = `R-E2E-${Date.now()}`;
    await call(server, keys.pos, "POST", "/v1/transactions", { receiptId, storeId: "beiguo-central", at: beijingNow(), lines: [{ ...line, unitPrice: 500_000 }] });
    const enrolled = await call(server, keys.pos, "POST", "/v1/members", { storeId: "beiguo-central", at: beijingNow(), program: "beiguo", evidenceReceiptIds: [receiptId] });
    expect(enrolled.member.tier).toBe("silver");
    memberId = enrolled.member.id;
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: chromiumArgs });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signIn(key: string) {
    await page.goto(server.base);
    await page.getByLabel("API 密钥").fill(key);
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("button", { name: "退出" }).waitFor();
  }

  async function signOut() {
    await page.getByRole("button", { name: "退出" }).click();
    await page.getByLabel("API 密钥").waitFor();
  }

  const tab = (name: string) => page.getByRole("navigation").getByRole("button", { name, exact: true }).click();
  const status = () => page.getByTestId("version-status");

  it("lets a marketer raise the silver discount, accept the cases and submit; an approver publishes it; the POS quotes it", async () => {
    // Before: the POS quotes silver full-price goods at 5 % off under v1.
    const before = await call(server, keys.pos, "POST", "/v1/decisions", { storeId: "beiguo-central", at: beijingNow(), memberId, lines: [line] });
    expect(before.lines[0].discount).toBe(5_000);

    await page.goto(server.base);
    await page.getByLabel("API 密钥").waitFor();
    await shot("sign-in");
    await signIn(keys.marketer);
    await page.getByRole("button", { name: "基于 v1 新建草稿" }).click();
    await waitForText(status(), /^草稿$/);
    const silver = page.getByLabel("VIP银卡 正价商品", { exact: true });
    expect(await silver.inputValue()).toBe("5");
    await waitForText(page.getByTestId("preview-delta-discount"), /^¥0$/);

    await silver.fill("8");
    await silver.press("Enter");
    const delta = await waitForText(page.getByTestId("preview-delta-discount"), /^\+¥[\d,.]+$/);
    expect(Number(delta.replace(/[^\d.]/g, ""))).toBeGreaterThan(0);
    await waitForText(page.getByTestId("cases-summary"), /个用例未通过/);
    await shot("program-form", true);

    // Switching views never changes the document by itself.
    await tab("JSON");
    await page.locator(".monaco-editor").waitFor();
    await tab("方案");
    expect(await page.getByLabel("VIP银卡 正价商品", { exact: true }).inputValue()).toBe("8");

    await page.getByRole("button", { name: "全部接受为预期" }).click();
    await waitForText(page.getByTestId("cases-summary"), /^全部 \d+ 个用例通过$/);

    // Every label follows the language switch.
    await page.getByRole("button", { name: "English" }).click();
    await waitForText(page.getByTestId("cases-summary"), /^All \d+ cases pass$/);
    expect(await page.getByLabel("VIP silver card Full-price goods", { exact: true }).inputValue()).toBe("8");
    await shot("program-form-en");
    await page.getByRole("button", { name: "中文" }).click();

    await tab("试算小票");
    await page.getByRole("button", { name: "计算" }).click();
    await waitForText(page.getByTestId("line-discount-1"), /^¥80$/);
    await page.getByTestId("trace").waitFor();
    await shot("try-receipt");

    await tab("模拟");
    await page.getByRole("button", { name: "开始模拟" }).click();
    await waitForText(page.getByTestId("sim-status"), /^已完成$/, 150_000);
    await page.getByTestId("tier-chart").waitFor();
    // Unsaved edits were saved first, so the simulation saw the 8 %: silver members cost more.
    await waitForText(page.getByTestId("sim-delta-discount"), /^\+¥[\d,.]+$/);
    await shot("simulate", true);

    await page.getByRole("button", { name: "提交审批" }).click();
    await waitForText(status(), /^已提交$/);

    await tab("版本");
    await page.getByRole("button", { name: "显示差异" }).click();
    await waitForText(page.getByTestId("diff"), /9\.2折|8 %/);
    await shot("versions-diff");
    await signOut();

    // The approver finds the submitted version open, approves and publishes it a few seconds from now.
    await signIn(keys.approver);
    await waitForText(status(), /^已提交$/);
    await page.getByRole("button", { name: "批准", exact: true }).click();
    await waitForText(status(), /^已批准$/);
    const effective = await page.evaluate(() => {
      const at = new Date(Date.now() + 15_000);
      const pad = (n: number) => String(n).padStart(2, "0");
      return { ms: at.getTime(), local: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}` };
    });
    await page.getByLabel("生效时间").fill(effective.local);
    await shot("approver-publish");
    await page.getByRole("button", { name: "发布", exact: true }).click();
    await waitForText(status(), /^已发布$/);
    await signOut();

    // Once it is in force, a POS quote carries the new discount.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, effective.ms - Date.now() + 1_500)));
    const after = await call(server, keys.pos, "POST", "/v1/decisions", { storeId: "beiguo-central", at: beijingNow(), memberId, lines: [line] });
    expect(after.policy).toEqual({ id: "beiguo", version: 2 });
    expect(after.lines[0].discount).toBe(8_000);

    // The same quote from the POS screen.
    await signIn(keys.pos);
    await page.getByLabel("会员编号").fill(memberId);
    await page.getByLabel("时间", { exact: true }).fill(beijingNow().slice(0, 19));
    await page.getByRole("button", { name: "计算" }).click();
    await waitForText(page.getByTestId("line-discount-1"), /^¥80$/);
    await shot("pos-quote");
    await signOut();

    // The auditor reads the whole story.
    await signIn(keys.auditor);
    await tab("审计");
    await waitForText(page.getByTestId("audit"), /发布/);
    const audit = (await page.getByTestId("audit").textContent()) ?? "";
    for (const action of ["创建草稿", "修改草稿", "提交审批", "批准", "发布"]) expect(audit).toContain(action);
    await shot("audit");
    await signOut();
  });

  it("marks a bad fact name typed in the JSON view", async () => {
    await signIn(keys.marketer);
    await page.getByRole("button", { name: /^基于 v\d+ 新建草稿$/ }).click();
    await waitForText(status(), /^草稿$/);
    await tab("JSON");
    const editor = page.locator(".monaco-editor");
    await editor.waitFor();
    await page.locator(".monaco-editor .view-lines").click();
    await page.keyboard.press("Control+F");
    await page.keyboard.type("lineFullPrice");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Escape");
    await page.keyboard.type("lineFullPrize");
    await page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 20_000 });
    await waitForText(page.getByTestId("diagnostics"), /未知的事实“lineFullPrize”/);
    // The marker's message is the engine's diagnostic, shown on hover.
    const box = (await page.locator(".monaco-editor .squiggly-error").first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 4);
    await page.locator(".monaco-hover").first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(600); // the hover fades in
    await shot("json-view");
    // A fact's hover shows its documentation from the fact catalog.
    const token = (await page.locator(".monaco-editor .view-line > span > span", { hasText: '"lineDepartment"' }).first().boundingBox())!;
    await page.mouse.move(token.x + token.width / 2, token.y + token.height / 2);
    await waitForText(page.locator(".monaco-hover"), /商品行所属部门/, 10_000);
    await page.waitForTimeout(600);
    await shot("json-fact-hover");
  });
});
