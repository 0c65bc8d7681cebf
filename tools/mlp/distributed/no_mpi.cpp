// SPDX-License-Identifier: MIT
// A build without MLP_MPI: one process, never a group (tools/mlp/distributed.hpp).
#include "../distributed.hpp"

namespace mlp::cli {

ProcessGroup* process_group() { return nullptr; }

std::string rank_prefix() { return {}; }

int finish_distributed(int exit_code, bool) { return exit_code; }

}  // namespace mlp::cli
