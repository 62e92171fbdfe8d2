// README examples marked `<!-- example: run -->` are executed as written.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/<!-- example: run -->\s*```js\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README examples', () => {
  it('has runnable examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, () => {
      // Inside the package, so `import ... from 'virtkit'` resolves to this build (self-reference).
      const file = join(root, `.readme-example-${process.pid}-${i}.mjs`);
      writeFileSync(file, code);
      try {
        const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 60000 });
        expect(out.length).toBeGreaterThan(0);
      } finally {
        rmSync(file, { force: true });
      }
    });
  });
});
