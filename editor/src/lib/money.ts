/** Money in the editor: documents keep fen, people read and type yuan. */

/** Yuan typed by a person (e.g. "1,000.5") to whole fen; null when it is not an amount. */
export function yuanToFen(text: string | number): number | null {
  const cleaned = String(text).replace(/[,\s¥元]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  const [whole, cents = ""] = cleaned.split(".");
  return Number(whole) * 100 + Number(cents.padEnd(2, "0"));
}

/** Fen as yuan for an input field: no grouping, decimals only when there are cents. */
export function fenToYuanInput(fen: number): string {
  return fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2);
}

/** Fen as yuan for reading: grouped, decimals only when there are cents, with a sign when asked. */
export function formatYuan(fen: number, options: { sign?: boolean } = {}): string {
  const abs = Math.abs(fen);
  const text = (abs / 100).toLocaleString("en", { minimumFractionDigits: abs % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 });
  const sign = fen < 0 ? "−" : options.sign && fen > 0 ? "+" : "";
  return `${sign}¥${text}`;
}

/** A whole number grouped for reading, with a sign when asked. */
export function formatCount(n: number, options: { sign?: boolean } = {}): string {
  const text = Math.abs(n).toLocaleString("en", { maximumFractionDigits: 2 });
  return `${n < 0 ? "−" : options.sign && n > 0 ? "+" : ""}${text}`;
}

/** A discount percent in the Chinese way: 5 % off is 9.5折, 10 % off is 9折. */
export function zheOf(percent: number): string {
  const zhe = Math.round((100 - percent) * 100) / 1000;
  return `${zhe}折`;
}
