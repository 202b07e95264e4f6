import type { GpuReading } from './nvidia-smi-csv.js';

/** What rocm-smi is asked every sample: utilisation, VRAM, power and temperature of each GPU. */
export const ROCM_SMI_LIVE_ARGS = ['--showuse', '--showmeminfo', 'vram', '--showpower', '--showtemp', '--json'] as const;
/** Asked until known: each GPU's unique id (for the per-host claims) and its product name. */
export const ROCM_SMI_IDENTITY_ARGS = ['--showuniqueid', '--showproductname'] as const;

/** The longest answer that is read (a sane one is ~1 KiB per GPU). */
export const MAX_ROCM_SMI_OUTPUT_CHARS = 1024 * 1024;
/** At most this many GPUs are read from one answer. */
const MAX_CARDS = 64;
const MAX_NAME_CHARS = 200;

/**
 * Reads `rocm-smi <ROCM_SMI_LIVE_ARGS> [<ROCM_SMI_IDENTITY_ARGS>] --json`: an object with one
 * `card<i>` entry per GPU (`"GPU use (%)": "37"`, `"VRAM Total Used Memory (B)": "12876513280"`,
 * `"Average Graphics Package Power (W)": "210.0"` or `"Current Socket Graphics Package Power (W)"`
 * on newer GPUs, `"Temperature (Sensor edge) (C)"` else the junction's, `"Unique ID": "0x1234abcd"`,
 * `"Card Series"`/`"Card series"`) and entries that are not GPUs (`system`), which are skipped.
 * Lines before the JSON (rocm-smi prints warnings there) are skipped. The answer is untrusted: a text
 * longer than 1 MiB, JSON that is not an object, more than 64 cards, a card that is not an object
 * give nothing for it; a value that is not a plain number is missing (NaN); names are cut to 200
 * characters. A GPU without a unique id is named `rocm-card<i>` (unique on its host).
 *
 * @param text - the whole standard output of one rocm-smi call
 * @returns the GPUs, by index; empty when the text is not such an answer
 */
export function parseRocmSmiJson(text: string): GpuReading[] {
  if (text.length > MAX_ROCM_SMI_OUTPUT_CHARS) return [];
  // The JSON is the first line that opens an object; warnings come on lines of their own before it.
  const start = text.startsWith('{') ? 0 : text.indexOf('\n{') + 1;
  const end = text.lastIndexOf('}');
  if ((start === 0 && !text.startsWith('{')) || end < start) return [];
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end + 1));
  } catch {
    return [];
  }
  if (!isRecord(data)) return [];
  const gpus: GpuReading[] = [];
  for (const [key, card] of Object.entries(data)) {
    const match = /^card(\d{1,4})$/.exec(key);
    if (!match || !isRecord(card)) continue;
    if (gpus.length === MAX_CARDS) break;
    const index = Number(match[1]);
    const field = (...names: string[]) => {
      for (const name of names) {
        const found = Object.keys(card).find((k) => k.toLowerCase() === name.toLowerCase());
        if (found !== undefined) return card[found];
      }
      return undefined;
    };
    const uniqueId = presentText(field('Unique ID'));
    const name = presentText(field('Card Series', 'Device Name', 'Card Model'));
    gpus.push({
      index,
      // ROCR_VISIBLE_DEVICES names a GPU `GPU-<unique id without 0x>`, as rocminfo prints it.
      uuid: uniqueId !== undefined && /^0x[0-9a-f]{1,32}$/i.test(uniqueId) ? `GPU-${uniqueId.slice(2).toLowerCase()}` : `rocm-card${index}`,
      name: name === undefined ? '' : name.slice(0, MAX_NAME_CHARS),
      utilizationPercent: plainNumber(field('GPU use (%)')),
      memoryUsedMb: plainNumber(field('VRAM Total Used Memory (B)')) / (1024 * 1024),
      powerWatts: plainNumber(field('Average Graphics Package Power (W)', 'Current Socket Graphics Package Power (W)')),
      temperatureC: plainNumber(field('Temperature (Sensor edge) (C)', 'Temperature (Sensor junction) (C)')),
    });
  }
  return gpus.sort((a, b) => a.index - b.index);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string value, trimmed; `N/A` and other non-strings are missing. */
function presentText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === 'N/A' ? undefined : trimmed.slice(0, 255);
}

/** `"37"`, `"61.0"` or 37 → the number; anything else (`N/A`, `"1e400"`, an object) → NaN. */
function plainNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : NaN;
  if (typeof value !== 'string' || value.length > 32) return NaN;
  const match = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!match) return NaN;
  const n = Number(match[1]);
  return Number.isFinite(n) ? n : NaN;
}
