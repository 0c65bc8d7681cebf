// SPDX-License-Identifier: MIT
#pragma once
// The `mlp` binary's data-parallel side (docs/scaling.md): under `mpirun -np N mlp train CONFIG`
// the N processes train one model together through mlp::ProcessGroup (mlp/process_group.hpp).
// Implemented over MPI in distributed/mpi_group.cpp when built with MLP_MPI (OpenMPI found);
// distributed/no_mpi.cpp otherwise, where there is never a group.
#include <string>

#include "mlp/process_group.hpp"

namespace mlp::cli {

/// The group of this job's processes when this binary runs under mpirun with more than one
/// process; null otherwise (a plain run, mpirun -np 1, or a build without MLP_MPI). The first
/// call starts MPI (only `mlp train` calls it).
ProcessGroup* process_group();

/// Whether this process writes the run's files and prints: rank 0, or the only process.
inline bool primary_process() { return process_group() == nullptr || process_group()->rank() == 0; }

/// "rank R of N: " once process_group() has started a group (for error messages), else "".
std::string rank_prefix();

/// Ends MPI if process_group() started it: MPI_Finalize when the command returned (every process
/// returns together), MPI_Abort(exit_code) after an error on this process, which ends every
/// process of the job (the others may be waiting in a collective; no hang). Returns exit_code.
int finish_distributed(int exit_code, bool after_error);

}  // namespace mlp::cli
