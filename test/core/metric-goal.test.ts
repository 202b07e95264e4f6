import { describe, expect, it } from 'vitest';
import { declaredMetricGoal, goalFromMetricName, metricGoal } from 'exptrack';

describe('metric goals', () => {
  it('reads the common names: loss, error, perplexity… minimize; accuracy, f1, reward… maximize; anything else has no goal', () => {
    for (const name of ['loss', 'val_loss', 'train/loss', 'error_rate', 'perplexity', 'val_ppl', 'wer', 'latency_ms', 'cost/usd', 'nll']) expect(goalFromMetricName(name), name).toBe('minimize');
    for (const name of ['accuracy', 'val_acc', 'acc_norm', 'f1', 'macro_f1', 'reward', 'exact_match', 'pass@1', 'bleu', 'auc', 'mc2', 'math_verify', 'boxed_equiv']) expect(goalFromMetricName(name), name).toBe('maximize');
    for (const name of ['lr', 'learning_rate', 'epoch', 'grad_norm', 'tokens', 'batch_size', 'temperature']) expect(goalFromMetricName(name), name).toBe('none');
  });

  it('prefers a declared goal (benchmark/metric, then metric), newest run first, to the name', () => {
    expect(metricGoal('lr', null, [{ 'goal/lr': 'minimize' }])).toBe('minimize');
    expect(metricGoal('loss', null, [{ 'goal/loss': 'none' }])).toBe('none');
    expect(metricGoal('accuracy', 'gsm8k', [{ 'goal/gsm8k/accuracy': 'minimize', 'goal/accuracy': 'maximize' }])).toBe('minimize');
    expect(metricGoal('accuracy', 'gsm8k', [{}, { 'goal/accuracy': 'none' }])).toBe('none');
    expect(declaredMetricGoal('lr', null, [{ 'goal/lr': 'sideways' }, { 'goal/lr': 1 }])).toBeUndefined();
    expect(metricGoal('loss', null, [{ 'goal/lr': 'none' }])).toBe('minimize');
  });
});
