# shellcheck shell=bash disable=SC2034  # the variables set here are used by the scripts that source it
# Shared by the scripts in submit-scripts/ (sourced, never run).
#
# What it settles, once, for every script:
#   EFFNET_PROJECT_DIR  the project root (the folder holding conf/ and jobs/), found from this file's location
#   EFFNET_JVM_FLAGS    (array) jvm.flags from conf/runtime.properties, the one definition of the Java 17 flags
#   EFFNET_JVM_FLAGS_STRING   the same flags as one string (for spark.*.extraJavaOptions)
#   EFFNET_MKL_DEBUG_CPU_TYPE mkl.debug.cpu.type from conf/runtime.properties, unless MKL_DEBUG_CPU_TYPE is set
#   EFFNET_JAVA         the java binary ($JAVA_HOME/bin/java, else java on PATH)
#   EFFNET_SPARK_HOME / EFFNET_SPARK_KIND   see effnet_resolve_spark
#   EFFNET_APP_JAR      see effnet_resolve_app_jar
#
# Exit status 2 means "the environment is not ready" (missing build, broken config); the message says what to do.

EFFNET_PROG=${EFFNET_PROG:-$(basename "$0")}
EFFNET_LIB_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
EFFNET_PROJECT_DIR=$(cd "$EFFNET_LIB_DIR/../.." && pwd)
EFFNET_RUNTIME_PROPERTIES="$EFFNET_PROJECT_DIR/conf/runtime.properties"
EFFNET_BUNDLED_SPARK_HOME="$EFFNET_PROJECT_DIR/jobs/target/spark-home"
EFFNET_BUILD_HINT="run \`mvn -B package -DskipTests\` in $EFFNET_PROJECT_DIR"

effnet_die() {
  local status=$1
  shift
  printf '%s: error: %s\n' "$EFFNET_PROG" "$*" >&2
  exit "$status"
}

effnet_info() {
  printf '%s: %s\n' "$EFFNET_PROG" "$*" >&2
}

# effnet_read_properties FILE ARRAY_NAME
# Reads a Java .properties file into the associative array ARRAY_NAME (declared by the caller with
# `declare -A`). Handles comments (# !), blank lines, `key=value`, `key: value`, `key value` and
# backslash line continuations; no \uXXXX escapes (the files read here hold flags and numbers).
effnet_read_properties() {
  local file=$1
  local -n effnet_props_out=$2
  [[ -r $file ]] || effnet_die 2 "cannot read $file"
  local line logical='' key value
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line#"${line%%[![:space:]]*}"}
    if [[ -z $logical && ( -z $line || $line == '#'* || $line == '!'* ) ]]; then
      continue
    fi
    # An odd number of trailing backslashes continues the logical line (Properties.load semantics).
    local trailing=${line##*[!\\]}
    [[ $line == *[!\\]* ]] || trailing=$line
    if (( ${#trailing} % 2 == 1 )); then
      logical+=${line%\\}
      continue
    fi
    logical+=$line
    if [[ $logical =~ ^([^=:[:space:]]+)[[:space:]]*[=:[:space:]][[:space:]]*(.*)$ ]]; then
      key=${BASH_REMATCH[1]}
      value=${BASH_REMATCH[2]}
    else
      key=$logical
      value=''
    fi
    value=${value%"${value##*[![:space:]]}"}
    effnet_props_out["$key"]=$value
    logical=''
  done < "$file"
}

effnet_load_runtime() {
  declare -gA EFFNET_RUNTIME=()
  effnet_read_properties "$EFFNET_RUNTIME_PROPERTIES" EFFNET_RUNTIME
  local key
  for key in jvm.flags mkl.debug.cpu.type; do
    [[ -n ${EFFNET_RUNTIME[$key]:-} ]] || effnet_die 2 "$EFFNET_RUNTIME_PROPERTIES has no value for '$key'"
  done
  EFFNET_JVM_FLAGS_STRING=${EFFNET_RUNTIME[jvm.flags]}
  read -r -a EFFNET_JVM_FLAGS <<< "$EFFNET_JVM_FLAGS_STRING"
  # An explicit MKL_DEBUG_CPU_TYPE in the caller's environment wins, for the driver and the executors alike.
  EFFNET_MKL_DEBUG_CPU_TYPE=${MKL_DEBUG_CPU_TYPE:-${EFFNET_RUNTIME[mkl.debug.cpu.type]}}
}

effnet_resolve_java() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    EFFNET_JAVA=$JAVA_HOME/bin/java
  elif command -v java > /dev/null 2>&1; then
    EFFNET_JAVA=$(command -v java)
  else
    effnet_die 2 "no java found: set JAVA_HOME or put java on PATH"
  fi
}

# A jars-only Spark home (the bundled one): jars/ with Spark and Scala, a RELEASE file (Spark's launcher
# takes jars/ as the class path only where RELEASE exists, which workers need to start executors).
effnet_check_jars_home() {
  local home=$1 what=$2 fix=$3
  local -a core scala
  [[ -d $home/jars ]] || effnet_die 2 "$what $home is missing: $fix"
  core=("$home"/jars/spark-core_*.jar)
  scala=("$home"/jars/scala-library-*.jar)
  [[ -e ${core[0]} ]] || effnet_die 2 "$what $home has no spark-core jar in jars/: $fix"
  [[ -e ${scala[0]} ]] || effnet_die 2 "$what $home has no scala-library jar in jars/: $fix"
  [[ -e $home/RELEASE ]] || effnet_die 2 "$what $home has no RELEASE file (executors could not start): $fix"
}

# Sets EFFNET_SPARK_HOME and EFFNET_SPARK_KIND:
#   installation  SPARK_HOME is a real Spark installation (has bin/spark-submit): use its scripts;
#   jars          SPARK_HOME (or, when unset, the bundled jobs/target/spark-home) holds jars/ + RELEASE:
#                 run Spark's classes with `java -cp "$EFFNET_SPARK_HOME/jars/*"`.
effnet_resolve_spark() {
  if [[ -n ${SPARK_HOME:-} ]]; then
    local home
    home=$(cd "$SPARK_HOME" 2> /dev/null && pwd) || effnet_die 2 "SPARK_HOME=$SPARK_HOME is not a directory"
    if [[ -x $home/bin/spark-submit ]]; then
      EFFNET_SPARK_KIND=installation
    elif [[ $home == "$EFFNET_BUNDLED_SPARK_HOME" ]]; then
      effnet_check_jars_home "$home" "the bundled Spark runtime" "$EFFNET_BUILD_HINT"
      EFFNET_SPARK_KIND=jars
    else
      effnet_check_jars_home "$home" "SPARK_HOME" \
        "point SPARK_HOME at a Spark 2.4 installation, or unset it to use the bundled runtime"
      EFFNET_SPARK_KIND=jars
    fi
    EFFNET_SPARK_HOME=$home
  else
    effnet_check_jars_home "$EFFNET_BUNDLED_SPARK_HOME" "the bundled Spark runtime" "$EFFNET_BUILD_HINT"
    EFFNET_SPARK_HOME=$EFFNET_BUNDLED_SPARK_HOME
    EFFNET_SPARK_KIND=jars
  fi
}

# Class path for running Spark's classes from a Spark home: conf/ first (log4j.properties,
# spark-defaults.conf), as Spark's own bin/spark-class does.
effnet_spark_classpath() {
  local cp="$EFFNET_SPARK_HOME/jars/*"
  [[ -d $EFFNET_SPARK_HOME/conf ]] && cp="$EFFNET_SPARK_HOME/conf:$cp"
  printf '%s' "$cp"
}

# Sets EFFNET_APP_JAR: $EFFNET_APP_JAR if set, else jobs/target/effnet-spark-<version>.jar.
effnet_resolve_app_jar() {
  if [[ -n ${EFFNET_APP_JAR:-} ]]; then
    [[ -f $EFFNET_APP_JAR ]] || effnet_die 2 "EFFNET_APP_JAR=$EFFNET_APP_JAR does not exist"
    EFFNET_APP_JAR=$(readlink -f "$EFFNET_APP_JAR")
    return
  fi
  local -a jars
  mapfile -t jars < <(ls -t "$EFFNET_PROJECT_DIR"/jobs/target/effnet-spark-*.jar 2> /dev/null)
  [[ ${#jars[@]} -gt 0 ]] ||
    effnet_die 2 "the application jar $EFFNET_PROJECT_DIR/jobs/target/effnet-spark-*.jar is missing: $EFFNET_BUILD_HINT"
  # Newest first: a stale jar of an older version must not shadow the one just built.
  EFFNET_APP_JAR=${jars[0]}
}

effnet_is_uint() {
  [[ $1 =~ ^[0-9]+$ ]]
}

# True when something listens on 127.0.0.1:PORT (or on the wildcard address).
effnet_port_in_use() {
  local port=$1
  if command -v ss > /dev/null 2>&1; then
    [[ -n $(ss -Htln "sport = :$port" 2> /dev/null) ]]
  else
    (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null
  fi
}

# Prints the first port in [FROM, FROM+200) nobody listens on, else a random free one.
effnet_free_port() {
  local from=${1:-20000} port tries
  for ((port = from; port < from + 200 && port < 65536; port++)); do
    effnet_port_in_use "$port" || { printf '%s' "$port"; return 0; }
  done
  for ((tries = 0; tries < 200; tries++)); do
    port=$((20000 + RANDOM % 40000))
    effnet_port_in_use "$port" || { printf '%s' "$port"; return 0; }
  done
  effnet_die 2 "no free TCP port found"
}

# True for masters whose driver and executors all live on this machine's loopback interface.
effnet_is_loopback_master() {
  case $1 in
    local | local\[* | local-cluster\[*) return 0 ;;
    spark://127.0.0.1:* | spark://localhost:*) return 0 ;;
    *) return 1 ;;
  esac
}

# effnet_shell_quote ARGS... : prints the arguments as one line a shell would read back unchanged.
effnet_shell_quote() {
  local out='' arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
      out+="$arg "
    else
      out+="'${arg//\'/\'\\\'\'}' "
    fi
  done
  printf '%s\n' "${out% }"
}
