// SPDX-License-Identifier: MIT
// mlp::ProcessGroup over MPI (MLP_MPI builds; tools/mlp/distributed.hpp). MPI starts only when
// the process runs under a launcher with more than one process (OMPI_COMM_WORLD_SIZE from OpenMPI's
// mpirun, PMI_SIZE or SLURM_STEP_NUM_TASKS from Slurm's srun), so a plain `mlp train` never
// touches MPI.
#include <fmt/core.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <type_traits>

#include "../distributed.hpp"

namespace mlp::cli {
namespace {

MPI_Datatype mpi_type(float*) { return MPI_FLOAT; }
MPI_Datatype mpi_type(double*) { return MPI_DOUBLE; }

int count_of(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    fmt::print(stderr, "mlp: internal error: an MPI message of {} values is too large\n", n);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return static_cast<int>(n);
}

class MpiGroup : public ProcessGroup {
 public:
  MpiGroup() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<Scalar> values) override { all_sum(values); }
  void sum_doubles(std::span<double> values) override { all_sum(values); }
  void broadcast(std::span<Scalar> values) override { bcast(values); }
  void broadcast_doubles(std::span<double> values) override { bcast(values); }

 private:
  template <class T>
  static void all_sum(std::span<T> values) {
    if (values.empty()) return;
    MPI_Allreduce(MPI_IN_PLACE, values.data(), count_of(values.size()), mpi_type(values.data()), MPI_SUM,
                  MPI_COMM_WORLD);
  }
  template <class T>
  static void bcast(std::span<T> values) {
    if (values.empty()) return;
    MPI_Bcast(values.data(), count_of(values.size()), mpi_type(values.data()), 0, MPI_COMM_WORLD);
  }
  int rank_ = 0, size_ = 1;
};

int launcher_size() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    if (const char* v = std::getenv(variable); v != nullptr && *v != '\0') return std::atoi(v);
  }
  return 1;
}

bool g_checked = false;
bool g_started = false;
std::unique_ptr<MpiGroup> g_group;

}  // namespace

ProcessGroup* process_group() {
  if (!g_checked) {
    g_checked = true;
    if (launcher_size() > 1) {
      MPI_Init(nullptr, nullptr);
      g_started = true;
      // Errors in MPI calls end the job (MPI_ERRORS_ARE_FATAL, the default, said explicitly).
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
      g_group = std::make_unique<MpiGroup>();
      if (g_group->size() == 1) g_group.reset();
    }
  }
  return g_group.get();
}

std::string rank_prefix() {
  return g_group == nullptr ? std::string() : fmt::format("rank {} of {}: ", g_group->rank(), g_group->size());
}

int finish_distributed(int exit_code, bool after_error) {
  if (!g_started) return exit_code;
  if (after_error && g_group != nullptr) {
    // The others may be inside a collective this process will never join: end them all.
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, exit_code);
  }
  MPI_Finalize();
  return exit_code;
}

}  // namespace mlp::cli
