import { createProgram } from './program';

// The binary's entry (bundled into cli/dist/ by scripts/build-cli.mjs); cli/bin/denyscope.mjs loads it.
createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`denyscope: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
