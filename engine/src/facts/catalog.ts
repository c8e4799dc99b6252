import type { Localized, RuleScope } from "../policy/schema";

/** The value type of a fact, as lint and the editor see it. */
export type FactType = "string" | "number" | "boolean" | "date" | "object" | "string?" | "number?" | "string[]";

/** A fact a rule may read: where it is available, its type, its unit and its documentation. */
export interface FactSpec {
  type: FactType;
  scopes: readonly RuleScope[];
  unit?: "fen" | "units" | "hours";
  description: Localized;
  /** Known values, for completion in the editor. */
  values?: readonly string[];
}

const LINE = ["line"] as const;
const SALE = ["line", "receipt"] as const;
const RECEIPT = ["receipt"] as const;
/** Wherever a known member is evaluated: sales, year ends, lifecycle runs, recharges and redemptions. */
const MEMBER = ["line", "receipt", "year-end", "lifecycle", "recharge", "redemption"] as const;
const EVERYWHERE = ["line", "receipt", "enrolment", "year-end", "lifecycle", "recharge", "redemption"] as const;
const ENROLMENT = ["enrolment"] as const;
const YEAR_END = ["year-end"] as const;
const BALANCES = ["year-end", "lifecycle", "redemption"] as const;

/** Every fact a rule may read, computed by the engine from the receipt, the member snapshot and the time. */
export const factCatalog = {
  lineDepartment: { type: "string", scopes: LINE, values: ["department_store", "supermarket", "appliances", "dining", "other"], description: { zh: "商品行所属部门(百货、超市、家电、餐饮、其他)", en: "The line's department (department_store, supermarket, appliances, dining, other)" } },
  lineZone: { type: "string?", scopes: LINE, values: ["sports", "leisure", "denim", "stationery", "digital"], description: { zh: "商品行所在区域(如运动区、休闲区),可为空", en: "The line's zone (sports, leisure, …), or null" } },
  lineBrand: { type: "string?", scopes: LINE, description: { zh: "商品行品牌,可为空", en: "The line's brand, or null" } },
  lineFullPrice: { type: "boolean", scopes: LINE, description: { zh: "是否正价商品(未参加促销)", en: "Whether the item is at full price (not already on promotion)" } },
  lineStyleId: { type: "string", scopes: LINE, description: { zh: "商品款式编号", en: "The line's style id" } },
  lineSku: { type: "string", scopes: LINE, description: { zh: "商品编码", en: "The line's SKU" } },
  lineStyleUnits: { type: "number", scopes: LINE, unit: "units", description: { zh: "本单中同款式商品的总件数(用于判断大宗购物)", en: "Units of this line's style on the whole receipt (for the bulk-purchase rule)" } },
  lineQuantity: { type: "number", scopes: LINE, unit: "units", description: { zh: "商品行件数", en: "The line's quantity" } },
  lineGross: { type: "number", scopes: LINE, unit: "fen", description: { zh: "商品行原价金额(分)", en: "The line's gross amount, in fen" } },
  lineMarginPercent: { type: "number?", scopes: LINE, description: { zh: "商品毛利率(%),未提供时为空", en: "The item's gross margin in percent, or null when the till does not send it" } },
  lineZoneGroups: { type: "string[]", scopes: LINE, description: { zh: "商品行区域所属的区域组(见设置中的区域组),用 contains 判断", en: "The zone groups (see settings) the line's zone belongs to; test with contains" } },

  storeId: { type: "string", scopes: ["line", "receipt", "enrolment", "recharge", "redemption"], description: { zh: "门店编号", en: "The store's id" } },
  paidWith: { type: "string?", scopes: SALE, values: ["cash", "bank_card", "mobile", "stored_value", "gift_card", "points", "coupon", "mixed"], description: { zh: "付款方式:单一方式时为该方式,多种方式为 mixed;未给出付款方式视为现金", en: "The tender type when the receipt is paid with one type only, \"mixed\" otherwise; a receipt without tenders is paid in cash" } },
  isMember: { type: "boolean", scopes: SALE, description: { zh: "是否会员消费(非匿名)", en: "Whether a member is identified on the receipt" } },
  memberTier: { type: "string?", scopes: MEMBER, description: { zh: "会员本单开始时的等级,匿名消费为空", en: "The member's tier at the start of the receipt, or null when anonymous" } },
  memberStatus: { type: "string?", scopes: MEMBER, values: ["active", "dormant", "cancelled"], description: { zh: "会员状态(正常、睡眠、注销)", en: "The member's status (active, dormant, cancelled)" } },
  memberSupreme: { type: "boolean", scopes: MEMBER, description: { zh: "是否至尊VIP俱乐部会员", en: "Whether the member belongs to the supreme VIP club" } },
  memberPlan: { type: "string?", scopes: MEMBER, description: { zh: "会员当前的充值方案,无则为空", en: "The member's stored-value plan, or null" } },
  memberReferred: { type: "boolean", scopes: MEMBER, description: { zh: "会员是否由其他会员推荐入会", en: "Whether another member referred this member" } },
  memberStudent: { type: "boolean", scopes: EVERYWHERE, description: { zh: "是否在校大学生(凭学生证)", en: "Whether the customer is a university student (checked against a student card)" } },
  memberStudentOfficer: { type: "boolean", scopes: EVERYWHERE, description: { zh: "是否校级学生会干部", en: "Whether the customer is a student-union officer" } },
  receiptGross: { type: "number", scopes: SALE, unit: "fen", description: { zh: "本单原价合计(分)", en: "The receipt's gross total, in fen" } },
  localDate: { type: "date", scopes: EVERYWHERE, description: { zh: "门店当地日期(YYYY-MM-DD)", en: "The store-local date (YYYY-MM-DD)" } },
  dayOfMonth: { type: "number", scopes: EVERYWHERE, description: { zh: "当地日期的日(1–31)", en: "Day of the month, store-local (1–31)" } },
  month: { type: "number", scopes: EVERYWHERE, description: { zh: "当地日期的月份(1–12)", en: "Month, store-local (1–12)" } },
  dayOfWeek: { type: "number", scopes: EVERYWHERE, description: { zh: "星期几(1=周一 … 7=周日)", en: "ISO weekday, store-local (1 = Monday … 7 = Sunday)" } },
  isMemberDay: { type: "boolean", scopes: EVERYWHERE, description: { zh: "今天是否会员日(见设置中的会员日)", en: "Whether today is a member day (see the member-day settings)" } },

  receiptPayable: { type: "number", scopes: RECEIPT, unit: "fen", description: { zh: "本单会员折扣后应付合计(分)", en: "The receipt's payable total after member discounts, in fen" } },
  receiptDiscount: { type: "number", scopes: RECEIPT, unit: "fen", description: { zh: "本单会员折扣合计(分)", en: "The receipt's member discount total, in fen" } },
  moneyTenderTotal: { type: "number", scopes: RECEIPT, unit: "fen", description: { zh: "以现金类方式支付的金额(分);未给出付款方式时视为全部现金", en: "Amount paid with money tenders, in fen; a receipt without tenders is paid entirely in money" } },
  tenderTotals: { type: "object", scopes: RECEIPT, description: { zh: "按付款方式汇总的金额(分),用路径读取,如 $.stored_value", en: "Amounts by tender type, in fen; read one with a path such as $.stored_value" } },
  qualifyingSpend: { type: "number", scopes: RECEIPT, unit: "fen", description: { zh: "本单计入入会与晋升的百货类现金消费(分)", en: "The receipt's qualifying spend toward entry and upgrades, in fen" } },
  dayPayableTotal: { type: "number", scopes: RECEIPT, unit: "fen", description: { zh: "该会员当日在本店的累计购物金额(含本单,分)", en: "The member's same store-day payable total including this receipt, in fen" } },
  cycleQualifyingSpend: { type: "number", scopes: RECEIPT, unit: "fen", description: { zh: "本单之前有效期内累计消费(分)", en: "Qualifying spend in the current validity cycle before this receipt, in fen" } },
  cycleQualifyingSpendAfter: { type: "number", scopes: RECEIPT, unit: "fen", description: { zh: "含本单的有效期内累计消费(分)", en: "Qualifying spend in the current validity cycle including this receipt, in fen" } },

  evidenceQualifyingSpend: { type: "number", scopes: ENROLMENT, unit: "fen", description: { zh: "办卡凭证(当日消费)的百货类现金消费合计(分)", en: "Qualifying spend of the enrolment evidence (same store-day receipts), in fen" } },
  evidenceReceiptCount: { type: "number", scopes: ENROLMENT, description: { zh: "办卡凭证的小票数", en: "Number of evidence receipts" } },
  evidenceLargestReceiptSpend: { type: "number", scopes: ENROLMENT, unit: "fen", description: { zh: "办卡凭证中单张小票的最大计入消费(分)", en: "The largest qualifying spend of a single evidence receipt, in fen" } },
  evidenceSpendByZoneGroup: { type: "object", scopes: ENROLMENT, description: { zh: "办卡凭证按区域组的计入消费(分),用路径读取,如 $.campus;不属于任何区域组的为 $.outside", en: "Evidence qualifying spend by zone group, in fen; read one with a path such as $.campus, lines in no group under $.outside" } },
  enrolmentFeePaid: { type: "number", scopes: ENROLMENT, unit: "fen", description: { zh: "办卡时缴纳的会费(分)", en: "The membership fee paid at enrolment, in fen" } },
  isReferral: { type: "boolean", scopes: ENROLMENT, description: { zh: "是否由现有会员推荐入会", en: "Whether an existing member refers the applicant" } },

  yearEnded: { type: "number", scopes: YEAR_END, description: { zh: "刚结束的公历年份", en: "The calendar year that has just ended" } },
  yearQualifyingSpend: { type: "number", scopes: YEAR_END, unit: "fen", description: { zh: "该年度累计计入消费(分)", en: "Qualifying spend in the year that has just ended, in fen" } },
  priorYearQualifyingSpend: { type: "number", scopes: YEAR_END, unit: "fen", description: { zh: "上一年度累计计入消费(分)", en: "Qualifying spend in the year before it, in fen" } },
  monthsSinceQualifyingSale: { type: "number", scopes: ["lifecycle"], description: { zh: "距最近一次有效消费(无消费则自办卡日)的整月数", en: "Whole months since the last qualifying sale (or since the card was issued, if none)" } },
  memberPointsBalance: { type: "number", scopes: BALANCES, description: { zh: "会员当前积分余额", en: "The member's points balance" } },
  rechargeAmount: { type: "number", scopes: ["recharge"], unit: "fen", description: { zh: "本次充值金额(分)", en: "The amount recharged, in fen" } },
  giftId: { type: "string", scopes: ["redemption"], description: { zh: "兑换的礼品编号", en: "The id of the gift redeemed" } },
} as const satisfies Record<string, FactSpec>;

/** The name of a fact in the catalog. */
export type FactName = keyof typeof factCatalog;

/** Whether `name` is a fact of the catalog. */
export function isFactName(name: string): name is FactName {
  return Object.prototype.hasOwnProperty.call(factCatalog, name);
}
