// npx tsx scripts/check-coremltools-packages.ts DIR — reads, inspects and runs the packages that
// scripts/make-coremltools-packages.py wrote to DIR (test/coremltools/coremltools-packages.ts).
import { checkCoremltoolsPackages } from "../test/coremltools/coremltools-packages.js";

const report = await checkCoremltoolsPackages(process.argv[2]);
for (const f of report.failures) console.log(`FAILED ${f}`);
console.log(`coremltools-written packages: ${report.checked} read, inspected and run; ${report.weights} weights expanded as coremltools does; ${report.failures.length} failures`);
process.exitCode = report.failures.length || report.checked === 0 ? 1 : 0;
