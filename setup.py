# SPDX-License-Identifier: MIT
"""pip install --no-build-isolation .  — builds the Python package mlp with CMake (setuptools calls it).

PyPI is not needed: setuptools and wheel come from Debian (python3-setuptools, python3-wheel), and
the C++ dependencies are the ones scripts/bootstrap installs.
"""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        # MLP_PIP_BUILD_DIR=build reuses a configured build tree (its settings are kept).
        build_dir = os.path.abspath(os.environ.get("MLP_PIP_BUILD_DIR", os.path.join(ROOT, "build-pip")))
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                            f"-DPython3_EXECUTABLE={sys.executable}", "-DMLP_BUILD_TESTS=OFF",
                            "-DMLP_BUILD_BENCH=OFF"], check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.run(["cmake", "--build", build_dir, "--target", "mlp_python", "-j", jobs], check=True)
        built = os.path.join(build_dir, "python", "mlp")
        target = os.path.dirname(self.get_ext_fullpath(ext.name))
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(built):
            if name.startswith("_mlp") and name.endswith(".so"):
                shutil.copy2(os.path.join(built, name), os.path.join(target, name))


setup(
    name="mlp",
    version="0.1.0",
    description="Keras-style multilayer perceptrons in C++ (oneDNN), with Keras' Python API",
    packages=["mlp"],
    package_dir={"mlp": "python/mlp"},
    package_data={"mlp": ["*.pyi", "py.typed"]},
    ext_modules=[Extension("mlp._mlp", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    install_requires=["numpy"],
    python_requires=">=3.9",
)
