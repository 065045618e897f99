using CnnMl.Bench;

// CnnMl.Bench <workload> [--option value ...]: runs one workload and prints one JSON line.
// bench/run.sh runs each workload here and in bench/python/ side by side.
return BenchCli.Run(args);
