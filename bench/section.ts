/** One figure of a benchmark section, as it appears in results/latest.json and in the README table. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** What a benchmark section reports. */
export interface SectionResult {
  section: string;
  figures: Figure[];
}

/** A benchmark section's module: it runs and reports its figures. */
export interface SectionModule {
  run(): Promise<SectionResult>;
}

/** A benchmark section as run.ts lists it: loaded only when its turn comes, so sections do not pay for each other's imports. */
export interface Section {
  name: string;
  load(): Promise<SectionModule>;
}
