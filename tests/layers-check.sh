#!/usr/bin/env bash
# layers-check.sh: the build's check of the layer rule (see CMakeLists.txt). Each argument is
# LAYER:ALLOWED,LAYERS=ARCHIVE. A symbol that an object of LAYER needs and that another
# project layer defines must come from an allowed layer; anything else fails the build with
# one line per use, naming the object, the symbol and the layer it belongs to.
set -u
export LC_ALL=C
declare -A archive allowed
order=()
for arg in "$@"; do
	rule=${arg%%=*}
	layer=${rule%%:*}
	archive[$layer]=${arg#*=}
	allowed[$layer]=${rule#*:}
	order+=("$layer")
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# who defines what: "symbol layer", one line per global definition
for layer in "${order[@]}"; do
	nm -g --defined-only "${archive[$layer]}" 2>/dev/null |
		awk -v l="$layer" 'NF == 3 { print $3, l }'
done | sort -u > "$tmp/defs"

bad=0
for layer in "${order[@]}"; do
	ok=" $layer ${allowed[$layer]//,/ } "
	# "member symbol" for every undefined use
	nm -A -u "${archive[$layer]}" 2>/dev/null |
		awk '{ m = $1; sub(/:$/, "", m); n = split(m, p, ":"); print p[n], $NF }' |
		sort -k2,2 > "$tmp/uses"
	join -1 2 -2 1 -o 1.1,1.2,2.2 "$tmp/uses" "$tmp/defs" > "$tmp/joined"
	while read -r obj sym owner; do
		case "$ok" in
		*" $owner "*) ;;
		*)
			echo "layers-check: $layer/$obj uses $sym of the $owner layer; $layer may use only: ${allowed[$layer]:-nothing}" >&2
			bad=1 ;;
		esac
	done < "$tmp/joined"
done
[ "$bad" = 0 ] || { echo "layers-check: layer rule broken (see CMakeLists.txt for the rule)" >&2; exit 1; }
exit 0
