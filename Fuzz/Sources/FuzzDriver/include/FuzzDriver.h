#ifndef CAMPAIGND_FUZZ_DRIVER_H
#define CAMPAIGND_FUZZ_DRIVER_H

/// Runs libFuzzer on the harness's LLVMFuzzerTestOneInput. SwiftPM links every executable with
/// `--defsym main=<Module>_main`, so libFuzzer's own main is never used: each harness defines
/// `<Module>_main` and calls this, which hands the command line to LLVMFuzzerRunDriver.
int campaignd_fuzz_run(int argc, char **argv);

#endif
