# bash completion for orchctl: subcommands and their flags.
_orchctl() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local groups="status metrics agents pools secrets certs collections containers store-types stores jobs history"
  local list_flags="--query --sort --desc --limit --page --all"
  local store_flags="--machine --path --type --container --agent --pool --properties --property --create-if-missing --no-create-if-missing --password-file"
  local schedule_flags="--now --at --every --daily --weekly --monthly --tz --schedule"

  case "$prev" in
    --socket|--password-file|--pfx-password-file)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --type)
      COMPREPLY=($(compgen -W "PEM PKCS12" -- "$cur")); return ;;
    --tz)
      COMPREPLY=($(cd /usr/share/zoneinfo 2>/dev/null && compgen -f -- "$cur")); return ;;
  esac

  # The group and the subcommand: the first two words that are not flags or flag values.
  local group="" sub="" i word
  for ((i = 1; i < cword; i++)); do
    word="${words[i]}"
    case "$word" in
      --socket) ((i++)) ;;
      -*) ;;
      *) if [[ -z "$group" ]]; then group="$word"; elif [[ -z "$sub" ]]; then sub="$word"; fi ;;
    esac
  done

  local choices
  case "$group" in
    "") choices="$groups --socket --json --help --version" ;;
    agents)
      case "$sub" in
        "") choices="list show approve disapprove reset reenroll" ;;
        list) choices="$list_flags" ;;
        reenroll) choices="--request --require --clear" ;;
      esac ;;
    pools)
      case "$sub" in
        "") choices="list show create update delete add-agent remove-agent default-members" ;;
        list|default-members) choices="$list_flags" ;;
        create) choices="--agent" ;;
        update) choices="--name --agent" ;;
      esac ;;
    secrets) [[ -z "$sub" ]] && choices="list create revoke" ;;
    certs)
      case "$sub" in
        "") choices="import list show" ;;
        import) choices="--password-file"; COMPREPLY=($(compgen -f -- "$cur")) ;;
        list) choices="$list_flags" ;;
      esac ;;
    collections)
      case "$sub" in
        "") choices="list create" ;;
        list) choices="$list_flags" ;;
        create) choices="--query --description" ;;
      esac ;;
    containers)
      case "$sub" in
        "") choices="list create" ;;
        list) choices="$list_flags" ;;
      esac ;;
    store-types) choices="$list_flags" ;;
    stores)
      case "$sub" in
        "") choices="list show create update delete" ;;
        list) choices="$list_flags" ;;
        create|update) choices="$store_flags" ;;
      esac ;;
    jobs)
      case "$sub" in
        "") choices="add scheduled unschedule reschedule ack" ;;
        add) choices="--store --stores-from-query $schedule_flags --alias --overwrite --include-private-key --pfx-password-file --collection" ;;
        scheduled) choices="$list_flags" ;;
        unschedule|reschedule|ack) choices="--query" ;;
      esac ;;
    history) choices="$list_flags --follow --after" ;;
  esac
  COMPREPLY+=($(compgen -W "$choices --help" -- "$cur"))
}
complete -F _orchctl orchctl
