# SPDX-License-Identifier: MIT
# Every third-party library comes from a Debian package installed by scripts/bootstrap.
find_package(OpenMP REQUIRED)
find_package(dnnl REQUIRED)          # libdnnl-dev: the GEMM library (docs/performance.md)
find_package(nlohmann_json REQUIRED) # nlohmann-json3-dev
find_package(fmt REQUIRED)           # libfmt-dev
find_package(CLI11 REQUIRED)         # libcli11-dev
find_package(tomlplusplus REQUIRED)  # libtomlplusplus-dev: config files
find_package(ZLIB REQUIRED)          # zlib1g-dev
find_package(CURL REQUIRED)          # libcurl4-openssl-dev: data set mirrors
find_package(PNG REQUIRED)           # libpng-dev: reading/writing user images (src/io/image.cpp)
find_package(JPEG REQUIRED)          # libjpeg-dev (libjpeg-turbo): reading user photos
find_package(OpenSSL REQUIRED)       # libssl-dev: SHA-256 of data files
find_package(PkgConfig REQUIRED)
pkg_check_modules(GVC REQUIRED IMPORTED_TARGET libgvc)  # libgraphviz-dev: mlp plot-model (src/plot/model_graph.cpp)
find_package(Protobuf REQUIRED)      # libprotobuf-dev, protobuf-compiler: TensorBoard event files
# libonnx-dev: the ONNX schema's protobuf classes (onnx_proto) for `mlp export --format onnx`, and
# the checker (onnx) for its tests. Debian's CMake package defines ONNX_ML=1 and ONNX_NAMESPACE.
find_package(ONNX 1.12 REQUIRED)
# libhdf5-dev (C API, serial) and libzip-dev: Keras .h5/.weights.h5 files and the .keras zip (src/interop/keras_*.cpp).
pkg_check_modules(MLP_HDF5 REQUIRED IMPORTED_TARGET hdf5)  # Debian: hdf5.pc of the serial build (FindHDF5 needs C enabled)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
# libopenmpi-dev, openmpi-bin: data-parallel `mpirun -np N mlp train` (docs/scaling.md). Optional:
# without it (or with -DMLP_MPI=OFF) the CLI is built without MPI and the mpi tests are not added.
option(MLP_MPI "Data-parallel mlp train under mpirun, when OpenMPI is found" ON)
if(MLP_MPI)
  find_package(MPI COMPONENTS CXX)
  if(NOT MPI_CXX_FOUND)
    message(STATUS "MPI: off (needs libopenmpi-dev and openmpi-bin)")
    set(MLP_MPI OFF)
  endif()
endif()
if(MLP_BUILD_TESTS)
  find_package(GTest REQUIRED)       # libgtest-dev
  # libopencv-dnn-dev: an independent ONNX runtime that runs the exported models in the tests.
  # Debian 12 ships neither OpenCVConfig.cmake (that is libopencv-dev) nor opencv4.pc for it.
  find_path(MLP_OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4 REQUIRED)
  find_library(MLP_OPENCV_DNN_LIBRARY opencv_dnn REQUIRED)
  find_library(MLP_OPENCV_CORE_LIBRARY opencv_core REQUIRED)
  add_library(mlp_opencv_dnn INTERFACE)
  target_include_directories(mlp_opencv_dnn SYSTEM INTERFACE ${MLP_OPENCV_INCLUDE_DIR})
  target_link_libraries(mlp_opencv_dnn INTERFACE ${MLP_OPENCV_DNN_LIBRARY} ${MLP_OPENCV_CORE_LIBRARY})
endif()
if(MLP_BUILD_BENCH)
  find_package(benchmark REQUIRED)   # libbenchmark-dev
endif()
