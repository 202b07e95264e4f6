/**
 * The arguments of an MLflow request, from the query string of a GET or the JSON body of a POST,
 * read with MLflow's field names and error wording. Protobuf's JSON sends 64-bit integers as numbers
 * or as decimal strings and non-finite doubles as `"NaN"`, `"Infinity"`, `"-Infinity"`; all are read.
 * @module
 */
import { readJsonText } from '../http.js';
import type { RouteContext } from '../router.js';
import { invalidValue } from './mlflow-error.js';

/** Largest MLflow request body (a full `log-batch` is well under 1 MiB). */
const MAX_BODY = 16 * 1024 * 1024;

/** A request's arguments with typed getters. */
export class RequestArgs {
  constructor(readonly values: Readonly<Record<string, unknown>>) {}

  /** Reads the arguments of a request: the query of a GET, the JSON body of anything else. */
  static async of(ctx: RouteContext): Promise<RequestArgs> {
    if (ctx.req.method === 'GET' || ctx.req.method === 'HEAD') {
      const values: Record<string, unknown> = {};
      for (const [key, value] of ctx.url.searchParams) {
        const previous = values[key];
        values[key] = previous === undefined ? value : Array.isArray(previous) ? [...(previous as string[]), value] : [previous, value];
      }
      return new RequestArgs(values);
    }
    const text = ctx.req.headers['content-type'] === undefined && ctx.req.headers['content-length'] === '0' ? '{}' : await readJsonText(ctx.req, MAX_BODY);
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw invalidValue('Malformed request body: it is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidValue('Malformed request body: expected a JSON object');
    return new RequestArgs(body as Record<string, unknown>);
  }

  /** A required string. */
  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) throw missing(name);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidValue(`Invalid value ${JSON.stringify(value)?.slice(0, 200)} for parameter '${name}' supplied: expected a string`);
    return value;
  }

  /** `run_id`, or its older name `run_uuid`. */
  runId(): string {
    const id = this.optionalString('run_id') ?? this.optionalString('run_uuid');
    if (id === undefined || id === '') throw missing('run_id');
    return id;
  }

  /** An int64 field (a number or a decimal string). */
  optionalInteger(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw invalidValue(`Invalid value ${JSON.stringify(value)?.slice(0, 200)} for parameter '${name}' supplied: expected an integer`);
    return number;
  }

  /** A list of strings (a repeated field). */
  strings(name: string): string[] {
    const value = this.values[name];
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) if (typeof item !== 'string') throw invalidValue(`Invalid value ${JSON.stringify(value).slice(0, 200)} for parameter '${name}' supplied: expected a list of strings`);
    return list as string[];
  }

  /** A list of objects (a repeated message). */
  objects(name: string): Array<Record<string, unknown>> {
    const value = this.values[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
      throw invalidValue(`Invalid value ${JSON.stringify(value).slice(0, 200)} for parameter '${name}' supplied: expected a list of objects`);
    }
    return value as Array<Record<string, unknown>>;
  }
}

/** MLflow's message for a required field that was not sent. */
export function missing(name: string) {
  return invalidValue(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
}

/** A double field: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`. */
export function readDouble(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity' || value === 'inf') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity' || value === '-inf') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (value === undefined || value === null) throw missing(name);
  throw invalidValue(`Invalid value ${JSON.stringify(value)?.slice(0, 200)} for parameter '${name}' supplied: expected a number`);
}

/** A double as MLflow's JSON carries it: non-finite values as strings. */
export function writeDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}
