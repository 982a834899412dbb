# JSON for busybox sh: string escaping, literals and defensive field extraction.

TAB=$(printf '\t')

# json_str VALUE: VALUE as a JSON string literal; control characters dropped, quotes/backslashes escaped.
json_str() {
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\010\013-\037\177' |
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$TAB/\\\\t/g" |
		sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')"
}

# json_str_or_null VALUE: a JSON string, or null when VALUE is empty.
json_str_or_null() {
	if [ -n "$1" ]; then json_str "$1"; else printf null; fi
}

# json_int_or_null VALUE: VALUE when it is a non-negative integer, else null.
json_int_or_null() {
	case "$1" in
		'' | *[!0-9]*) printf null ;;
		*) printf '%s' "$1" ;;
	esac
}

# json_bool VALUE: true for 1/true/yes, else false.
json_bool() {
	case "$1" in 1 | true | yes) printf true ;; *) printf false ;; esac
}

# json_get KEY < BODY: the value (string, number or literal) of the last "KEY" in BODY.
# Strings holding escapes are refused (empty): nothing the agent reads needs them.
json_get() {
	tr '\n\r\t' '   ' |
		sed -n -e "s/.*\"$1\" *: *\"\([^\"\\\\]*\)\".*/\1/p" -e t \
			-e "s/.*\"$1\" *: *\([-0-9.a-z]*\).*/\1/p" | head -n 1
}

# matches VALUE ERE: true when the whole VALUE matches the extended regex.
matches() {
	printf '%s' "$1" | grep -Eqx -e "$2"
}
