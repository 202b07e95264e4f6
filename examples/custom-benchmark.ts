/**
 * A custom benchmark in a dozen lines, evaluated with a plain async function as the model (no
 * server needed). Run: npx tsx examples/custom-benchmark.ts
 */
import { BaseBenchmark, evaluate, type BenchmarkSample } from 'exptrack/eval';

interface Capital extends BenchmarkSample {
  country: string;
}

class CapitalsBenchmark extends BaseBenchmark<Capital> {
  readonly name = 'capitals';
  loadDataset() {
    return [
      { id: 'fr', country: 'France', gold: 'Paris' },
      { id: 'jp', country: 'Japan', gold: 'Tokyo' },
      { id: 'ke', country: 'Kenya', gold: 'Nairobi' },
      { id: 'pe', country: 'Peru', gold: 'Lima' },
    ];
  }
  buildPrompt(sample: Capital) {
    return `What is the capital of ${sample.country}? Answer with the city only.`;
  }
  override checkAnswer(predicted: string, gold: string) {
    return predicted.trim().toLowerCase() === gold.toLowerCase();
  }
}

// A stand-in for a real model: it knows three capitals out of four.
const known: Record<string, string> = { France: 'Paris', Japan: 'tokyo', Kenya: 'Mombasa', Peru: 'Lima' };
const model = async (prompt: unknown) => known[/capital of (\w+)/.exec(String(prompt))?.[1] ?? ''] ?? 'unknown';

const result = await evaluate({ model, modelId: 'lookup-table', benchmark: new CapitalsBenchmark() });
const m = result.metrics;
console.log(`capitals: accuracy ${m.accuracy} (95% CI ${m.accuracy_ci_lower!.toFixed(3)}..${m.accuracy_ci_upper!.toFixed(3)}, stderr ${m.accuracy_stderr!.toFixed(3)})`);
for (const row of result.samples) console.log(`  ${row.id}: ${row.extracted} vs ${row.gold} -> ${row.correct ? 'right' : 'wrong'}`);
