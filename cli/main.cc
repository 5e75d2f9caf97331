// orchctl: the operator's command line for orchd.
#include "cli/orchctl.h"

int main(int argc, char** argv) {
  return orch::cli::RunOrchctl(argc, argv);
}
