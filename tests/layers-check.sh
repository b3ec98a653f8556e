#!/usr/bin/env bash
# layers-check.sh: the build's check of the layer rule (see CMakeLists.txt). Arguments:
# [--src TOP] LAYER:ALLOWED,LAYERS=ARCHIVE... A symbol that an object of LAYER needs and that
# another project layer defines must come from an allowed layer; with --src, every
# '#include "x/..."' in a layer's folder must name a folder of an allowed layer, and no
# include climbs out with "../". Anything else fails the build with one line per use.
set -u
export LC_ALL=C
declare -A archive allowed
order=()
top=""
if [ "${1:-}" = --src ]; then
	top=$2
	shift 2
fi
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
# the folder of each layer's sources, as its includes name it ("core/strbuf.h")
folder_of() {
	case $1 in
	parsers | report) echo "$1" ;;
	*) echo "src/$1" ;;
	esac
}
if [ -n "$top" ]; then
	declare -A layer_of_prefix
	for layer in "${order[@]}"; do
		layer_of_prefix[${layer}]=$layer
	done
	layer_of_prefix[cli]=cli
	for layer in "${order[@]}"; do
		dir=$top/$(folder_of "$layer")
		ok=" $layer ${allowed[$layer]//,/ } "
		while IFS=: read -r file line text; do
			[[ $text =~ include[[:space:]]*\"([^\"]*)\" ]] || continue
			inc=${BASH_REMATCH[1]}
			case $inc in
			../* | */../*)
				echo "layers-check: ${file#"$top"/}:$line includes \"$inc\": include across folders as \"layer/file.h\", never with ../" >&2
				bad=1
				continue ;;
			*/*) ;;
			*) continue ;;
			esac
			owner=${layer_of_prefix[${inc%%/*}]:-}
			[ -n "$owner" ] || continue
			case "$ok" in
			*" $owner "*) ;;
			*)
				echo "layers-check: ${file#"$top"/}:$line includes $inc of the $owner layer; $layer may use only: ${allowed[$layer]:-nothing}" >&2
				bad=1 ;;
			esac
		done < <(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$dir"/*.[ch] 2>/dev/null)
	done
fi

[ "$bad" = 0 ] || { echo "layers-check: layer rule broken (see CMakeLists.txt for the rule)" >&2; exit 1; }
exit 0
