/**
 * Monaco, loaded on first use only (it is most of the editor's weight): the editor core, its
 * standard features, JSON support with the policy's JSON Schema, the fact catalog as hover
 * documentation and completion of fact names, and rule scopes and effect types named on hover.
 */
import type * as MonacoApi from "monaco-editor/editor/editor.api.js";
import { factCatalog, isFactName, policyJsonSchema } from "../../../engine/src/index";
import type { Lang } from "./i18n.svelte";
import { effectTerms, factTerms, scopeTerms } from "./messages";

export type Monaco = typeof MonacoApi;

/** Where the policy schema lives for monaco: documents' `"$schema": "../policy.schema.json"` resolves here. */
export const SCHEMA_URI = "inmemory://editor/policies/policy.schema.json";

/** The URI of a version's model; beside SCHEMA_URI as the files are beside policy.schema.json. */
export function modelUri(programId: string, version: number): string {
  return `inmemory://editor/policies/${programId}/v${version}.json`;
}

let loading: Promise<Monaco> | null = null;
let currentLang: () => Lang = () => "zh";

/** Tells the hover and completion providers which language to speak. */
export function setMonacoLanguage(lang: () => Lang): void {
  currentLang = lang;
}

function factDocs(name: string, lang: Lang): string {
  if (!isFactName(name)) return "";
  const spec = factCatalog[name];
  const scopes = spec.scopes.map((scope) => scopeTerms[scope]?.[lang] ?? scope).join(lang === "zh" ? "、" : ", ");
  const unit = "unit" in spec ? ` · ${(spec as { unit?: string }).unit}` : "";
  const title = lang === "zh" ? `**${name}** · ${factTerms[name]?.zh ?? ""}` : `**${name}**`;
  const where = lang === "zh" ? `类型 ${spec.type}${unit} · 作用范围 ${scopes}` : `type ${spec.type}${unit} · scopes ${scopes}`;
  return `${title}\n\n${spec.description[lang]}\n\n${where}`;
}

/**
 * What a hover over `word` on `line` shows: a fact's documentation, or the name of the rule scope
 * or effect type a `"scope"` or `"type"` member holds; empty for anything else.
 */
export function hoverDocs(line: string, word: string, lang: Lang): string {
  if (isFactName(word)) return factDocs(word, lang);
  const member = /"(scope|type)"\s*:\s*"([a-z-]+)"/.exec(line);
  if (!member || member[2] !== word) return "";
  const term = (member[1] === "scope" ? scopeTerms : effectTerms)[word];
  return term ? `**${word}** · ${term[lang]}` : "";
}

function configure(monaco: Monaco, json: typeof import("monaco-editor/languages/features/json/register.js")): void {
  const schema = policyJsonSchema();
  json.jsonDefaults.setDiagnosticsOptions({
    validate: true,
    allowComments: false,
    enableSchemaRequest: false,
    schemaValidation: "error",
    schemas: [{ uri: SCHEMA_URI, fileMatch: ["*"], schema }],
  });
  monaco.languages.registerHoverProvider("json", {
    provideHover(model, position) {
      const word = model.getWordAtPosition(position);
      const docs = word ? hoverDocs(model.getLineContent(position.lineNumber), word.word, currentLang()) : "";
      if (!word || !docs) return null;
      return {
        range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
        contents: [{ value: docs }],
      };
    },
  });
  monaco.languages.registerCompletionItemProvider("json", {
    triggerCharacters: ['"'],
    provideCompletionItems(model, position) {
      const before = model.getLineContent(position.lineNumber).slice(0, position.column - 1);
      const typed = /"fact"\s*:\s*"([A-Za-z]*)$/.exec(before);
      if (!typed) return { suggestions: [] };
      const word = model.getWordUntilPosition(position);
      const range = new monaco.Range(position.lineNumber, position.column - typed[1]!.length, position.lineNumber, Math.max(word.endColumn, position.column));
      const lang = currentLang();
      return {
        suggestions: Object.keys(factCatalog).map((name) => ({
          label: name,
          kind: monaco.languages.CompletionItemKind.Value,
          detail: lang === "zh" ? (factTerms[name]?.zh ?? name) : factCatalog[name as keyof typeof factCatalog].type,
          documentation: { value: factDocs(name, lang) },
          insertText: name,
          range,
        })),
      };
    },
  });
}

/** Loads and configures monaco once; later calls share the first load. */
export function loadMonaco(): Promise<Monaco> {
  loading ??= (async () => {
    const [monaco, json, editorWorker, jsonWorker] = await Promise.all([
      import("monaco-editor/editor/editor.api.js"),
      import("monaco-editor/languages/features/json/register.js"),
      import("monaco-editor/editor/editor.worker.js?worker"),
      import("monaco-editor/language/json/json.worker.js?worker"),
      import("monaco-editor/features/register.all.js"),
    ]);
    self.MonacoEnvironment = {
      getWorker: (_id: string, label: string) => (label === "json" ? new jsonWorker.default() : new editorWorker.default()),
    };
    configure(monaco, json);
    return monaco;
  })();
  return loading;
}
