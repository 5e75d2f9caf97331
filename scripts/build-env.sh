# Sourced by the build scripts (from the checkout's root): installs the packages orchd needs
# (scripts/install-deps.sh) and sets `launcher` to the CMake arguments that compile through
# ccache when it is there.
scripts/install-deps.sh
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, so another clone of the same sources reuses the cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
