package portalsim

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/govaudit/govaudit/config"
)

// chanSpec is a channel a unit's catalog may hold.
type chanSpec struct {
	name    string
	kind    string
	cadence string
	slug    string  // directory name on TRS sites
	key     float64 // probability that the channel is a key column
}

// Statistics channels; a unit's third channel is one of them (by unit
// index), so even a small portal has every cadence.
var statChannels = []chanSpec{
	{"财政预决算", config.KindStatistics, config.CadenceMonthly, "czyjs", 0},
	{"经济运行", config.KindStatistics, config.CadenceQuarterly, "jjyx", 0},
	{"统计公报", config.KindStatistics, config.CadenceYearly, "tjgb", 0},
}

// fixedChannels come first in every catalog, in this order; then the
// other statistics channels and the extras, shuffled per unit.
var fixedChannels = []chanSpec{
	{"工作动态", config.KindDynamic, config.CadenceNone, "gzdt", 0.5},
	{"政策文件", config.KindPolicy, config.CadenceNone, "zcwj", 1},
	{}, // a statistics channel
	{"政府信息公开年度报告", config.KindAnnualReport, config.CadenceNone, "ndbg", 0},
	{"通知公告", config.KindNotice, config.CadenceNone, "tzgg", 0.8},
	{"办事服务", config.KindService, config.CadenceNone, "bsfw", 0.5},
	{"人事信息", config.KindPersonnel, config.CadenceNone, "rsxx", 0.3},
	{"政府信息公开指南", config.KindGuide, config.CadenceNone, "gkzn", 0},
	{"主动公开目录", config.KindCatalog, config.CadenceNone, "gkml", 0},
	{"规划计划", config.KindPlanning, config.CadenceNone, "ghjh", 0.2},
}

var extraChannels = []chanSpec{
	{"规范性文件", config.KindPolicy, config.CadenceNone, "gfxwj", 0.3},
	{"政策解读", config.KindOther, config.CadenceNone, "zcjd", 0.2},
	{"便民服务", config.KindService, config.CadenceNone, "bmfw", 0},
	{"公示公告", config.KindNotice, config.CadenceNone, "gsgg", 0},
	{"机构职能", config.KindOther, config.CadenceNone, "jgzn", 0},
	{"领导信息", config.KindOther, config.CadenceNone, "ldxx", 0},
	{"建议提案办理", config.KindOther, config.CadenceNone, "jytabl", 0},
	{"双随机一公开", config.KindOther, config.CadenceNone, "ssjygk", 0},
	{"行政执法公示", config.KindOther, config.CadenceNone, "xzzfgs", 0},
	{"政府采购", config.KindOther, config.CadenceNone, "zfcg", 0},
	{"应急管理", config.KindOther, config.CadenceNone, "yjgl", 0},
	{"民生实事", config.KindOther, config.CadenceNone, "msss", 0},
	{"部门动态", config.KindDynamic, config.CadenceNone, "bmdt", 0},
}

// channelPool is every channel a catalog may hold (its length bounds
// ChannelsMax).
var channelPool = func() []chanSpec {
	var p []chanSpec
	p = append(p, fixedChannels...)
	p = append(p, statChannels[:2]...) // the slot of fixedChannels holds the third
	p = append(p, extraChannels...)
	return p
}()

// catalogSpecs returns the n channels of unit idx's catalog.
func catalogSpecs(idx, n int, r *rand.Rand) []chanSpec {
	fixed := append([]chanSpec(nil), fixedChannels...)
	fixed[2] = statChannels[idx%3]
	var extra []chanSpec
	for i, s := range statChannels {
		if i != idx%3 {
			extra = append(extra, s)
		}
	}
	extra = append(extra, extraChannels...)
	r.Shuffle(len(extra), func(i, j int) { extra[i], extra[j] = extra[j], extra[i] })
	all := append(fixed, extra...)
	return all[:n]
}

var topics = []string{
	"安全生产", "森林防火", "防汛抗旱", "文明城市创建", "乡村振兴", "营商环境优化", "环境保护",
	"垃圾分类", "城乡环境整治", "农村人居环境整治", "信访稳定", "消防安全", "食品安全", "燃气安全",
	"冬季供暖保障", "大气污染防治", "河长制", "林长制", "普法宣传", "政务公开", "双随机一公开",
	"减税降费", "就业创业", "老旧小区改造", "公共文化服务", "全民健身", "养老服务", "医疗保障",
	"退役军人服务保障", "文物保护", "非物质文化遗产保护", "招商引资", "科技创新", "质量强区",
	"数字政府建设", "一网通办", "防灾减灾", "耕地保护", "校园安全", "道路交通安全",
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙", "马", "朱", "胡", "郭"}

var letterTopics = []string{
	"小区供暖不热", "道路积水", "夜间施工噪音扰民", "物业服务不到位", "拖欠农民工工资", "路灯不亮",
	"违章搭建", "医保报销", "学区划分", "公交线路调整", "占道经营", "垃圾清运不及时", "农村饮水安全",
	"养老保险缴费", "不动产登记办理", "小区停车难", "燃气管道改造", "低保申请", "企业开办",
	"老旧小区加装电梯", "下水道堵塞", "宠物扰民",
}

var subjectClasses = []string{
	"综合政务/其他", "国民经济管理、国有资产监管/其他", "财政、金融、审计/财政", "城乡建设、环境保护/城乡建设",
	"农业、林业、水利/农业", "劳动、人事、监察/人事工作", "科技、教育/教育", "卫生、体育/卫生",
	"公安、安全、司法/公安", "民政、扶贫、救灾/民政", "文化、广电、新闻出版/文化",
}

var cnQuarter = []string{"", "一", "二", "三", "四"}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// title returns an item title of a channel of kind for unit u.
func title(r *rand.Rand, kind string, u *unit, year int) (string, string) {
	t := pick(r, topics)
	name := u.name
	var forms []string
	switch kind {
	case config.KindDynamic:
		forms = []string{"%[1]s召开%[2]s工作会议", "%[1]s扎实推进%[2]s工作", "%[1]s开展%[2]s专项行动",
			"%[1]s部署%[2]s重点工作", "%[1]s组织开展%[2]s业务培训", "%[1]s召开%[2]s推进会",
			"%[1]s多措并举做好%[2]s工作", "%[1]s主要负责同志带队调研%[2]s工作"}
	case config.KindNotice:
		forms = []string{"关于做好%[2]s工作的通知", "关于开展%[2]s专项检查的通知", "关于%[2]s有关事项的公告",
			"关于%[2]s工作情况的通报", "关于征求《%[2]s实施方案（征求意见稿）》意见的公告"}
	case config.KindPolicy:
		forms = []string{"关于印发《临淄区%[2]s实施方案》的通知", "临淄区%[2]s管理办法",
			"关于进一步加强%[2]s工作的实施意见", "关于印发《%[2]s工作考核办法》的通知"}
	case config.KindService:
		forms = []string{"%[2]s事项办事指南", "%[2]s事项办理流程", "%[2]s服务事项清单"}
	case config.KindPlanning:
		forms = []string{"%[1]s%[3]d年%[2]s工作计划", "临淄区%[2]s专项规划", "%[1]s%[2]s工作要点"}
	case config.KindPersonnel:
		sn := pick(r, surnames)
		return fmt.Sprintf(pick(r, []string{"%[1]s关于%[2]s某某等同志任职的通知", "%[1]s%[3]d年公开招聘工作人员简章",
			"%[1]s人事任免信息", "%[1]s关于%[2]s某某同志职务调整的公示"}), name, sn, year), t
	case config.KindGuide:
		forms = []string{"%[1]s政府信息公开指南", "%[1]s政府信息公开指南（%[3]d年修订）"}
	case config.KindCatalog:
		forms = []string{"%[1]s主动公开基本目录", "%[1]s政府信息主动公开目录"}
	default:
		forms = []string{"%[1]s%[2]s工作情况公示", "关于%[2]s的情况说明", "%[1]s%[2]s信息公开",
			"%[1]s%[2]s工作开展情况"}
	}
	return fmt.Sprintf(pick(r, forms), name, t, year), t
}

// periodTitle is the title of the item covering a period of a periodic
// channel; style varies the way the period is written.
func periodTitle(spec string, style int, u *unit, y, sub int) string {
	switch spec {
	case config.CadenceMonthly:
		m := fmt.Sprintf("%d年%d月", y, sub)
		if style%2 == 1 {
			m = fmt.Sprintf("%d年%02d月", y, sub)
		}
		return m + "财政收支情况"
	case config.CadenceQuarterly:
		var q string
		switch style % 3 {
		case 0:
			q = fmt.Sprintf("%d年第%s季度", y, cnQuarter[sub])
		case 1:
			q = fmt.Sprintf("%d年%s季度", y, cnQuarter[sub])
		default:
			q = fmt.Sprintf("%d年%d季度", y, sub)
		}
		return q + "经济运行情况"
	default:
		return fmt.Sprintf("%s%d年度工作统计公报", u.name, y)
	}
}

// annualTitle is the title of unit u's annual report for year y.
func annualTitle(u *unit, y int) string {
	name := u.name
	if u.district {
		name = "临淄区人民政府"
	}
	return fmt.Sprintf("%s%d年政府信息公开工作年度报告", name, y)
}

// attachment name stems by role.
var attRoles = []struct {
	suffix string
	exts   []string
}{
	{"", []string{"pdf", "pdf", "pdf", "ofd", "docx"}},
	{"申请表", []string{"docx", "doc", "wps"}},
	{"情况汇总表", []string{"xlsx", "xls", "csv"}},
	{"工作台账", []string{"zip", "rar", "xlsx"}},
	{"政策解读", []string{"pdf", "docx"}},
}

// attachmentStem derives the main attachment name from an item title.
func attachmentStem(title, topic string) string {
	s := title
	if i := strings.Index(s, "《"); i >= 0 {
		if j := strings.Index(s[i:], "》"); j > 0 {
			return s[i+len("《") : i+j]
		}
	}
	if strings.HasPrefix(s, "关于") {
		return topic + "相关材料"
	}
	return s
}
