# Sourced by every launcher in bin/: one way to find a module's jar, one build hint, one exit code
# and one environment variable for JVM options.
#
#   gcg_run MODULE_DIR ARTIFACT MAIN_CLASS [--model] [--extra-classpath CP] [JVM option...] -- [args...]
#
# MODULE_DIR is relative to the repository root (e.g. model/train), ARTIFACT the module's
# artifactId. --model marks a launcher that runs the model: it gets DJL's offline mode and the
# allocator settings of native-memory.sh. GCG_JAVA_OPTS is appended to the JVM options, so it wins.
# Exit code 2 with a build command when the module is not built.

gcg_root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"

gcg_run() {
  local module_dir="$1" artifact="$2" main="$3"
  shift 3
  local runs_model=0 extra_classpath="" jvm=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    case "$1" in
      --model) runs_model=1 ;;
      --extra-classpath) extra_classpath="$2"; shift ;;
      *) jvm+=("$1") ;;
    esac
    shift
  done
  [[ "${1:-}" == "--" ]] && shift

  local module="$gcg_root/$module_dir" jar
  jar="$(ls "$module"/target/"$artifact"-*.jar 2>/dev/null | grep -v -e '-sources' -e '-tests' | head -n 1 || true)"
  if [[ -z "$jar" || ! -d "$module/target/lib" ]]; then
    echo "$(basename "$0"): $module_dir is not built ($module/target/$artifact-*.jar and target/lib)." >&2
    echo "Build it with:  cd \"$gcg_root\" && mvn -q -B install -DskipTests" >&2
    exit 2
  fi
  if [[ "$runs_model" == 1 ]]; then
    # shellcheck source=native-memory.sh
    . "$gcg_root/bin/lib/native-memory.sh"
    jvm=(-Dai.djl.offline=true "${jvm[@]}")
  fi
  # shellcheck disable=SC2086
  exec java "${jvm[@]}" ${GCG_JAVA_OPTS:-} \
    -cp "$jar:$module/target/lib/*${extra_classpath:+:$extra_classpath}" "$main" "$@"
}
