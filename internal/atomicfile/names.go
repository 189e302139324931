package atomicfile

import (
	"regexp"
	"strconv"
)

// tempNames match the names of this package's temporaries (with the ID of
// the process that made them) and of earlier sgm's (without one; the
// extensions are those sgm writes).
var tempNames = []*regexp.Regexp{
	regexp.MustCompile(`^\..+\.sgm-tmp-(?P<pid>[0-9]+)-[0-9]+(\.[A-Za-z0-9]+)?$`),
	regexp.MustCompile(`^\.sgm-probe-(?P<pid>[0-9]+)-[0-9]+$`),
	regexp.MustCompile(`^sgm-frames-(?P<pid>[0-9]+)-[0-9]+$`),
	regexp.MustCompile(`^\..+\.(csv|json|png|svg|gif|mp4)\.tmp[0-9]+(\.mp4)?$`),
	regexp.MustCompile(`^\.sgm-probe-[0-9]+$`),
	regexp.MustCompile(`^sgm-frames-[0-9]+$`),
}

// tempName reports whether name is one of sgm's temporaries, and the
// process ID in it (0 for an older sgm's name, which has none).
func tempName(name string) (pid int, ok bool) {
	for _, re := range tempNames {
		m := re.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if i := re.SubexpIndex("pid"); i >= 0 {
			pid, _ = strconv.Atoi(m[i])
		}
		return pid, true
	}
	return 0, false
}
