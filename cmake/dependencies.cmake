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
if(MLP_BUILD_TESTS)
  find_package(GTest REQUIRED)       # libgtest-dev
endif()
if(MLP_BUILD_BENCH)
  find_package(benchmark REQUIRED)   # libbenchmark-dev
endif()
