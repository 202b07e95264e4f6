/**
 * Compiles the filter syntax tree of `core/filter.ts` into a parameterised SQL condition for the
 * SQLite and Postgres backends, with exactly the semantics of `matchesFilter` (core/filter-match.ts).
 * @module
 */
import { sql, type RawBuilder } from 'kysely';
import { invalidInput } from '../../core/errors.js';
import type { FilterExpression, FilterField, FilterLiteral } from '../../core/filter.js';
import { NUMERIC_TEXT, NUMERIC_TEXT_MAX_LENGTH } from '../../core/filter-match.js';

/**
 * The SQL dialects the compiler writes.
 *
 * @example
 * ```ts
 * const dialect: SqlFilterDialect = 'postgres';
 * ```
 */
export type SqlFilterDialect = 'sqlite' | 'postgres';

/**
 * Options of {@link compileFilter}.
 *
 * @example
 * ```ts
 * compileFilter(where, 'postgres', { alias: 'x', parameterOffset: 2 }); // placeholders start at $3
 * ```
 */
export interface CompileFilterOptions {
  /**
   * The alias of the `experiments` table in the query the condition goes into.
   * @defaultValue `'e'`
   */
  alias?: string;
  /**
   * Postgres only: how many `$n` parameters come before this condition in the statement; the
   * first parameter of the condition is `$(parameterOffset + 1)`.
   * @defaultValue `0`
   */
  parameterOffset?: number;
}

/**
 * A compiled filter: a condition on the experiments row and its parameters, in order.
 *
 * @example
 * ```ts
 * const { sql, parameters }: CompiledFilter = compileFilter({ kind: 'exists', field: { scope: 'tags', key: 'stage' }, negated: false }, 'sqlite');
 * ```
 */
export interface CompiledFilter {
  /** A boolean condition (never SQL NULL), with `?` (SQLite) or `$n` (Postgres) placeholders. */
  sql: string;
  /** The values of the placeholders, in order: strings, numbers, and (Postgres) booleans and string arrays. */
  parameters: unknown[];
}

/** A value bound as a parameter; `cast` is the Postgres type written after it. */
interface Param {
  value: unknown;
  cast: string;
}

type Part = string | Param;
type Fragment = Part[];

/** The JSON types a filter distinguishes; `nan` is a metric whose value is NaN. */
type ValueType = 'null' | 'bool' | 'number' | 'text' | 'nan';

/** How to read one field: everything is evaluated inside `scope`, which makes a missing row false. */
interface Source {
  scope(condition: Fragment): Fragment;
  exists: Fragment;
  typeIs(type: ValueType): Fragment;
  value(type: 'bool' | 'number' | 'text'): Fragment;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Compiles a filter into a parameterised SQL condition on the `experiments` row (aliased `e`).
 * Config, tag and metric names travel as parameters (JSON paths for SQLite's `json_type` /
 * `json_extract`, key arrays for Postgres' `#>`), literals as parameters; nothing from the filter is
 * written into the SQL text. The condition agrees with `matchesFilter` of core/filter-match.ts:
 * a comparison with a missing value is false, values of different JSON types are never equal or
 * ordered, `!=` of different types is true, and `and` / `or` / `not` are two-valued (the condition
 * is never SQL NULL).
 *
 * The schema it reads: `experiments(id, name, notes, group_name, status, created_at, config,
 * tags, git_commit)`; `evaluations(id, experiment_id, benchmark, metrics)`, where the evaluation
 * of a benchmark written last (the highest `id`) counts, as in the memory backend;
 * `metric_series(experiment_id, key, last_value)` with NULL for NaN. JSON columns are TEXT in
 * SQLite and jsonb in Postgres. A non-finite evaluation metric may be stored as JSON null or as
 * the string `"NaN"` (both read as NaN), `"Infinity"` or `"-Infinity"`.
 *
 * @param expression - The filter's syntax tree (see `parseFilter` of `exptrack/analysis`).
 * @param dialect - `'sqlite'` (`?` placeholders) or `'postgres'` (`$n` placeholders with casts).
 * @param options - The table alias and, for Postgres, the parameter offset.
 * @returns The SQL condition and its parameters.
 * @throws ExptrackError with code `invalid_input` when the alias is not a plain identifier or the
 * tree has an unknown node.
 *
 * @example
 * ```ts
 * const { sql, parameters } = compileFilter(where, 'sqlite');
 * db.prepare(`SELECT e.* FROM experiments e WHERE ${sql} ORDER BY e.created_at DESC`).all(...parameters);
 * ```
 */
export function compileFilter(expression: FilterExpression, dialect: SqlFilterDialect, options: CompileFilterOptions = {}): CompiledFilter {
  const fragment = compileFragment(expression, dialect, options);
  const parameters: unknown[] = [];
  let offset = options.parameterOffset ?? 0;
  const text = fragment
    .map((part) => {
      if (typeof part === 'string') return part;
      parameters.push(part.value);
      if (dialect === 'sqlite') return '?';
      offset += 1;
      return `$${offset}::${part.cast}`;
    })
    .join('');
  return { sql: text, parameters };
}

/**
 * {@link compileFilter} as a Kysely `RawBuilder`, to drop into a Kysely query:
 * `.where(compileFilterToKysely(where, 'postgres'))`. Kysely numbers the parameters.
 *
 * @param expression - The filter's syntax tree.
 * @param dialect - `'sqlite'` or `'postgres'`.
 * @param options - The table alias (`parameterOffset` is ignored: Kysely numbers parameters itself).
 * @returns A boolean SQL expression.
 * @throws ExptrackError with code `invalid_input`, as {@link compileFilter}.
 *
 * @example
 * ```ts
 * const rows = await db.selectFrom('experiments as e').selectAll('e').where(compileFilterToKysely(where, 'sqlite')).execute();
 * ```
 */
export function compileFilterToKysely(expression: FilterExpression, dialect: SqlFilterDialect, options: CompileFilterOptions = {}): RawBuilder<boolean> {
  const fragment = compileFragment(expression, dialect, options);
  const pieces = fragment.map((part) =>
    typeof part === 'string' ? sql.raw(part) : dialect === 'sqlite' ? sql`${part.value}` : sql`${part.value}::${sql.raw(part.cast)}`,
  );
  return sql<boolean>`(${sql.join(pieces, sql.raw(''))})`;
}

function compileFragment(expression: FilterExpression, dialect: SqlFilterDialect, options: CompileFilterOptions): Fragment {
  const alias = options.alias ?? 'e';
  if (!IDENTIFIER.test(alias)) throw invalidInput('alias', alias, 'must be a plain SQL identifier');
  const compiler = new FilterCompiler(dialect, alias);
  return compiler.expression(expression);
}

class FilterCompiler {
  private readonly TRUE: string;
  private readonly FALSE: string;

  constructor(
    private readonly dialect: SqlFilterDialect,
    private readonly alias: string,
  ) {
    this.TRUE = dialect === 'sqlite' ? '1' : 'TRUE';
    this.FALSE = dialect === 'sqlite' ? '0' : 'FALSE';
  }

  expression(node: FilterExpression): Fragment {
    switch (node.kind) {
      case 'and':
      case 'or':
        return ['(', ...this.expression(node.left), node.kind === 'and' ? ' AND ' : ' OR ', ...this.expression(node.right), ')'];
      case 'not':
        return ['(NOT ', ...this.expression(node.operand), ')'];
      case 'exists': {
        const source = this.source(node.field);
        const scoped = source.scope(source.exists);
        return node.negated ? ['(NOT ', ...scoped, ')'] : scoped;
      }
      case 'in': {
        const source = this.source(node.field);
        const equalities = this.dialect === 'sqlite' ? this.sqliteMembership(source, node.values) : node.values.map((literal) => this.equals(source, literal));
        const any: Fragment = equalities.length === 0 ? [this.FALSE] : ['(', ...join(equalities, ' OR '), ')'];
        return source.scope(['(', ...source.exists, ' AND ', ...(node.negated ? ['NOT ', ...any] : any), ')']);
      }
      case 'compare':
        return this.compare(node.field, node.op, node.value);
      default:
        throw invalidInput('filter', node, 'is not a filter node (and, or, not, compare, in, exists)');
    }
  }

  private compare(field: FilterField, op: string, literal: FilterLiteral): Fragment {
    const source = this.source(field);
    if (op === 'like') {
      if (typeof literal !== 'string') return [this.FALSE];
      const like: Fragment = this.dialect === 'sqlite'
        ? [...source.value('text'), ' LIKE ', this.param(literal, 'text')]
        : [...source.value('text'), ' ILIKE ', this.param(literal, 'text'), " ESCAPE ''"];
      return source.scope(this.guarded(source.typeIs('text'), like));
    }
    if (op === '!=') return source.scope(['(', ...source.exists, ' AND NOT ', ...this.equals(source, literal), ')']);
    if (literal === null) return op === '=' || op === '<=' || op === '>=' ? source.scope(source.typeIs('null')) : [this.FALSE];
    if (typeof literal === 'number' && Number.isNaN(literal)) return [this.FALSE];
    if (!['=', '<', '<=', '>', '>='].includes(op)) throw invalidInput('filter', op, 'is not a filter operator');
    return source.scope(this.ordered(source, op, literal));
  }

  /**
   * SQLite: the finite numbers and the strings of an `in` list each as one `IN (SELECT value FROM
   * json_each(?))` with the list as one JSON parameter, so a list of thousands stays one small
   * expression (an OR per value hits "Expression tree is too large" near 1,000); the rest (null,
   * booleans, non-finite numbers) as equalities.
   */
  private sqliteMembership(source: Source, values: readonly FilterLiteral[]): Fragment[] {
    const texts = values.filter((v): v is string => typeof v === 'string');
    const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const out: Fragment[] = [];
    for (const [type, list] of [['text', texts], ['number', numbers]] as const) {
      if (list.length === 0) continue;
      out.push(this.guarded(source.typeIs(type), ['(', ...source.value(type), ' IN (SELECT value FROM json_each(', this.param(JSON.stringify(list), 'text'), ')))']));
    }
    for (const literal of values) if (typeof literal !== 'string' && !(typeof literal === 'number' && Number.isFinite(literal))) out.push(this.equals(source, literal));
    return out;
  }

  /** A never-NULL condition: the value has the literal's type and equals it. */
  private equals(source: Source, literal: FilterLiteral): Fragment {
    if (literal === null) return source.typeIs('null');
    if (typeof literal === 'number' && Number.isNaN(literal)) return [this.FALSE];
    return this.ordered(source, '=', literal);
  }

  private ordered(source: Source, op: string, literal: string | number | boolean): Fragment {
    const type = typeof literal === 'string' ? 'text' : typeof literal === 'number' ? 'number' : 'bool';
    const bound = this.dialect === 'sqlite' && typeof literal === 'boolean' ? Number(literal) : literal;
    const cast = type === 'text' ? 'text' : type === 'number' ? 'float8' : 'boolean';
    const collate = this.dialect === 'postgres' && type === 'text' ? ' COLLATE "C"' : '';
    return this.guarded(source.typeIs(type), ['(', ...source.value(type), collate, ` ${op} `, this.param(bound, cast), ')']);
  }

  /** `CASE WHEN guard THEN condition ELSE false END`: never NULL, and the condition is only evaluated (cast) on the right type. */
  private guarded(guard: Fragment, condition: Fragment): Fragment {
    // A type the source can never have: Postgres would still type-check the dead branch.
    if (guard.length === 1 && guard[0] === this.FALSE) return [this.FALSE];
    return ['(CASE WHEN ', ...guard, ' THEN ', ...condition, ` ELSE ${this.FALSE} END)`];
  }

  private param(value: unknown, cast: string): Param {
    return { value, cast };
  }

  private bool(condition: Fragment): Fragment {
    return ['(CASE WHEN ', ...condition, ` THEN ${this.TRUE} ELSE ${this.FALSE} END)`];
  }

  private source(field: FilterField): Source {
    const e = this.alias;
    switch (field.scope) {
      case 'params':
        return this.jsonSource(`${e}.config`, field.keys ?? field.path.split('.'), true);
      case 'tags':
        return this.jsonSource(`${e}.tags`, [field.key], false);
      case 'summary':
        return this.jsonSource(`${e}.summary`, [field.key], false);
      case 'metrics':
        return field.benchmark === null ? this.trainingSource(field.metric) : this.evaluationSource(field.benchmark, field.metric);
      case 'attribute': {
        const columns = { id: 'id', name: 'name', status: 'status', group: 'group_name', created: 'created_at', commit: 'git_commit', notes: 'notes' } as const;
        const column = columns[field.name];
        if (column === undefined) throw invalidInput('filter', field.name, 'is not a filter attribute');
        return this.columnSource(`${e}.${column}`, field.name === 'created' ? 'number' : 'text');
      }
      default:
        throw invalidInput('filter', field, 'is not a filter field (params, tags, metrics, summary, attribute)');
    }
  }

  /** A column of the experiments row: NULL is missing, any other value has the column's type. */
  private columnSource(column: string, type: 'number' | 'text'): Source {
    const present = [`${column} IS NOT NULL`];
    return {
      scope: (condition) => this.bool(condition),
      exists: present,
      typeIs: (t) => (t === type ? present : [this.FALSE]),
      value: () => [column],
    };
  }

  /**
   * A scalar at a key path inside a JSON object column; objects and arrays count as missing. With
   * `numericText`, a string in `NUMERIC_TEXT` form (core/filter-match.ts) is also a number.
   */
  private jsonSource(column: string, path: string[], numericText: boolean): Source {
    if (this.dialect === 'sqlite') {
      const jsonPath = `$${path.map((key) => `.${JSON.stringify(key)}`).join('')}`;
      const type = (): Fragment => ['json_type(', column, ', ', this.param(jsonPath, 'text'), ')'];
      const raw = (): Fragment => ['json_extract(', column, ', ', this.param(jsonPath, 'text'), ')'];
      const isNumericText = (): Fragment => ['(', ...type(), " = 'text' AND ", ...sqliteNumericText(raw()), ')'];
      return {
        scope: (condition) => this.bool(condition),
        exists: [...type(), " IN ('null', 'true', 'false', 'integer', 'real', 'text')"],
        typeIs: (t) => (numericText && t === 'number' ? ['(', ...sqliteJsonTypeIs(type(), t, this.FALSE), ' OR ', ...isNumericText(), ')'] : sqliteJsonTypeIs(type(), t, this.FALSE)),
        value: (t) => (numericText && t === 'number' ? ['(CASE WHEN ', ...type(), " = 'text' THEN CAST(", ...raw(), ' AS REAL) ELSE ', ...raw(), ' END)'] : raw()),
      };
    }
    // Postgres: `#>` would index into arrays by number, so every step must be an object.
    const node = (): Fragment => {
      if (path.length === 1) return ['(', column, ' -> ', this.param(path[0], 'text'), ')'];
      const guards = path.slice(0, -1).map((_, i) => ['jsonb_typeof(', column, ' #> ', this.param(path.slice(0, i + 1), 'text[]'), ") = 'object'"] as Fragment);
      return ['(CASE WHEN ', ...join(guards, ' AND '), ' THEN ', column, ' #> ', this.param(path, 'text[]'), ' END)'];
    };
    const source = this.postgresJsonValue(node, false);
    if (!numericText) return source;
    const type = (): Fragment => ['jsonb_typeof(', ...node(), ')'];
    const text = (): Fragment => ['(', ...node(), " #>> '{}')"];
    const isNumericText = (): Fragment => [
      '(', ...type(), " = 'string' AND length(", ...text(), `) <= ${NUMERIC_TEXT_MAX_LENGTH} AND `, ...text(), ' ~ ', this.param(NUMERIC_TEXT.source, 'text'), ')',
    ];
    return {
      ...source,
      typeIs: (t) => (t === 'number' ? ['(', ...source.typeIs(t), ' OR ', ...isNumericText(), ')'] : source.typeIs(t)),
      value: (t) => (t === 'number' ? ['(CASE WHEN ', ...type(), " = 'string' THEN (", ...text(), ')::float8 ELSE (', ...node(), ')::float8 END)'] : source.value(t)),
    };
  }

  /** The Postgres reading of one jsonb value; with `metric`, null and "NaN" are NaN and "±Infinity" numbers. */
  private postgresJsonValue(node: () => Fragment, metric: boolean, scope?: (condition: Fragment) => Fragment): Source {
    const type = (): Fragment => ['jsonb_typeof(', ...node(), ')'];
    const text = (): Fragment => ['(', ...node(), " #>> '{}')"];
    const special = (): Fragment => ['(', ...type(), " = 'string' AND ", ...text(), " IN ('NaN', 'Infinity', '-Infinity'))"];
    return {
      scope: scope ?? ((condition) => this.bool(condition)),
      exists: metric ? ['(', ...type(), ' IS NOT NULL)'] : ['(', ...type(), " IN ('null', 'boolean', 'number', 'string'))"],
      typeIs: (t) => {
        switch (t) {
          case 'null':
            return metric ? [this.FALSE] : ['(', ...type(), " = 'null')"];
          case 'bool':
            return ['(', ...type(), " = 'boolean')"];
          case 'number':
            return metric ? ['(', ...type(), " = 'number' OR (", ...type(), " = 'string' AND ", ...text(), " IN ('Infinity', '-Infinity')))"] : ['(', ...type(), " = 'number')"];
          case 'text':
            return metric ? ['(', ...type(), " = 'string' AND NOT ", ...special(), ')'] : ['(', ...type(), " = 'string')"];
          case 'nan':
            return metric ? ['(', ...type(), " = 'null' OR (", ...type(), " = 'string' AND ", ...text(), " = 'NaN'))"] : [this.FALSE];
        }
      },
      value: (t) => {
        switch (t) {
          case 'text':
            return text();
          case 'bool':
            return ['(', ...node(), ')::boolean'];
          case 'number':
            return metric ? ['(CASE WHEN ', ...type(), " = 'string' THEN (", ...text(), ')::float8 ELSE (', ...node(), ')::float8 END)'] : ['(', ...node(), ')::float8'];
        }
      },
    };
  }

  /** A metric of the latest evaluation of a benchmark. */
  private evaluationSource(benchmark: string, metric: string): Source {
    const e = this.alias;
    if (this.dialect === 'sqlite') {
      const path = `$.${JSON.stringify(metric)}`;
      const type = (): Fragment => ['json_type(xf_ev.metrics, ', this.param(path, 'text'), ')'];
      const raw = (): Fragment => ['json_extract(xf_ev.metrics, ', this.param(path, 'text'), ')'];
      const isText = (values: string): Fragment => ['(', ...type(), " = 'text' AND ", ...raw(), ` IN (${values}))`];
      return {
        scope: (condition) => [
          '(COALESCE((SELECT ', ...this.bool(condition), ` FROM evaluations xf_ev WHERE xf_ev.experiment_id = ${e}.id AND xf_ev.benchmark = `,
          this.param(benchmark, 'text'), ' ORDER BY xf_ev.id DESC LIMIT 1), 0))',
        ],
        exists: ['(', ...type(), ' IS NOT NULL)'],
        typeIs: (t) => {
          switch (t) {
            case 'null':
              return [this.FALSE];
            case 'bool':
              return ['(', ...type(), " IN ('true', 'false'))"];
            case 'number':
              return ['(', ...type(), " IN ('integer', 'real') OR ", ...isText("'Infinity', '-Infinity'"), ')'];
            case 'text':
              return ['(', ...type(), " = 'text' AND NOT ", ...isText("'NaN', 'Infinity', '-Infinity'"), ')'];
            case 'nan':
              return ['(', ...type(), " = 'null' OR ", ...isText("'NaN'"), ')'];
          }
        },
        value: (t) => (t === 'number' ? ['(CASE ', ...raw(), " WHEN 'Infinity' THEN 9e999 WHEN '-Infinity' THEN -9e999 ELSE ", ...raw(), ' END)'] : raw()),
      };
    }
    return this.postgresJsonValue(() => ['(xf_ev.metrics -> ', this.param(metric, 'text'), ')'], true, (condition) => [
      '(COALESCE((SELECT ', ...this.bool(condition), ` FROM evaluations xf_ev WHERE xf_ev.experiment_id = ${e}.id AND xf_ev.benchmark = `,
      this.param(benchmark, 'text'), ' ORDER BY xf_ev.id DESC LIMIT 1), FALSE))',
    ]);
  }

  /** The last value of a training metric; NULL (and, in Postgres, a stored NaN) is NaN. */
  private trainingSource(key: string): Source {
    const e = this.alias;
    const isNaN = this.dialect === 'sqlite' ? '(xf_ms.last_value IS NULL)' : "(xf_ms.last_value IS NULL OR xf_ms.last_value = 'NaN'::float8)";
    return {
      scope: (condition) => [
        '(COALESCE((SELECT ', ...this.bool(condition), ` FROM metric_series xf_ms WHERE xf_ms.experiment_id = ${e}.id AND xf_ms.key = `,
        this.param(key, 'text'), ` LIMIT 1), ${this.FALSE}))`,
      ],
      exists: [this.TRUE],
      typeIs: (t) => (t === 'number' ? [`(NOT ${isNaN})`] : t === 'nan' ? [isNaN] : [this.FALSE]),
      value: () => ['xf_ms.last_value'],
    };
  }
}

function sqliteJsonTypeIs(type: Fragment, t: ValueType, FALSE: string): Fragment {
  switch (t) {
    case 'null':
      return ['(', ...type, " = 'null')"];
    case 'bool':
      return ['(', ...type, " IN ('true', 'false'))"];
    case 'number':
      return ['(', ...type, " IN ('integer', 'real'))"];
    case 'text':
      return ['(', ...type, " = 'text')"];
    case 'nan':
      return [FALSE];
  }
}

/**
 * SQLite has no regular expressions: `NUMERIC_TEXT` as RFC 8259 JSON number text (`json_valid`,
 * `json_type`) written only with number characters (no whitespace), at most
 * `NUMERIC_TEXT_MAX_LENGTH` long, with an exponent of at most two digits.
 */
function sqliteNumericText(text: Fragment): Fragment {
  return [
    '(length(', ...text, `) <= ${NUMERIC_TEXT_MAX_LENGTH} AND `, ...text, " NOT GLOB '*[^-+.eE0-9]*' AND ",
    ...text, " NOT GLOB '*[eE][0-9][0-9][0-9]*' AND ", ...text, " NOT GLOB '*[eE][-+][0-9][0-9][0-9]*' AND ",
    'COALESCE((CASE WHEN json_valid(', ...text, ') THEN json_type(', ...text, ") END) IN ('integer', 'real'), 0))",
  ];
}

function join(fragments: Fragment[], separator: string): Fragment {
  const out: Fragment = [];
  fragments.forEach((fragment, i) => {
    if (i > 0) out.push(separator);
    out.push(...fragment);
  });
  return out;
}
