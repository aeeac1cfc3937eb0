package config

import (
	"fmt"
	"strings"
)

// StarterBaseURL is the portal the starter configuration points at: the
// district portal of the assessment measures.
const StarterBaseURL = "http://www.linzi.gov.cn/"

// Starter returns a commented starter configuration: the site, the 46
// default units with their catalog URLs on the /gongkai/ platform, a
// typical set of column templates, and every setting at its default.
// `govaudit init` writes it.
func Starter() []byte {
	var units strings.Builder
	for _, u := range DefaultUnits() {
		fmt.Fprintf(&units, "  - id: %s\n    name: %s\n", u.ID, u.Name)
		if u.District {
			units.WriteString("    district: true   # the district government: annual report due 31 March\n")
		}
		fmt.Fprintf(&units, "    catalog: %sgongkai/site_%s/\n    email: \"\"\n", StarterBaseURL, u.ID)
	}
	return []byte(strings.Replace(starterText, "{{UNITS}}", units.String(), 1))
}

const starterText = `# govaudit configuration: the 政务公开 (open-government) audit of one district portal.
#
# Written by "govaudit init". Edit it, then run "govaudit crawl". Errors name the
# line and the key to fix. Durations are written like 15s, 2m, 1h30m.
# Passwords never go in this file: name an environment variable instead (mail.password_env).

site:
  name: 临淄区人民政府
  base_url: ` + StarterBaseURL + `   # the portal's home page
  # CMS family of most pages: gongkai (/gongkai/ platform), hanweb (大汉 JCMS),
  # trs (TRS WCM) or generic (CSS selectors per column). Units and columns may override it.
  profile: gongkai
  crawl:
    requests_per_second: 2     # per host; 0 means no limit. Be polite to the portal.
    parallelism: 2             # concurrent requests per host
    timeout: 15s               # per request
    retries: 3                 # extra attempts on 5xx, 429, 412 and timeouts
    retry_backoff: 1s          # first back-off, doubled each attempt
    user_agent: "govaudit/1 (+政务公开 audit)"
    obey_robots: true
    max_body_bytes: 10485760   # 10 MiB; larger pages are cut and recorded
    max_list_pages: 200        # per column; a longer pager is recorded as truncated
    check_attachments: true    # probe every attachment (HEAD or ranged GET)
    check_links: false         # also probe the other links of article pages
    revalidate_days: 7         # unchanged articles are re-requested one night in this many
    attachment_hosts: []       # other hosts whose attachments are probed (off-site links are never requested)

store:
  path: govaudit.db            # relative to this file's directory

# The assessed units (the annex of 临淄区政务公开工作考核办法). id: short code used in
# catalog URLs (site_<id>); catalog: the unit's open-government catalog page;
# email: where the weekly digest goes. A unit may set its own profile.
units:
{{UNITS}}
# Column templates: a channel that (almost) every unit's catalog has.
# - With only a name, the crawler finds the channel on each unit's catalog page by
#   its name or one of the "match" names (close variants match too: full-width or
#   half-width characters, spaces, punctuation, a count such as "(12)", a "及解读"
#   suffix). A unit whose catalog lists none of them gets the column reported as
#   "栏目未找到" (not audited) in runs, the UI and the office's digest: run
#   "govaudit discover" to see which channel matched which template.
# - With a path, the column's URL is the unit's catalog URL joined with the path.
# "units: [id, …]" limits a template to some units; otherwise it applies to every
# unit with a catalog. kind: dynamic, notice, policy, service, planning, personnel,
# statistics, annual-report, guide, catalog, other, interpretation (政策解读: where the
# interpretation check looks for each 规范性文件's 解读). key: a key column must not go a
# whole quarter without a post. cadence: none, monthly, quarterly, yearly (periodic
# information; deadline_days after the period's end, default 15 / 20 / 31).
# requires_attachment: default true for policy and service columns.
templates:
  - name: 政策文件
    match: [规范性文件, 政策法规, 政府文件, 部门文件, 本级政策文件, 法规公文, 文件资料]
    kind: policy
    key: true
  - name: 通知公告
    match: [公示公告, 通知公示, 公告公示, 通知通告, 公告通知]
    kind: notice
  - name: 工作动态
    match: [部门动态, 工作信息, 动态信息, 政务动态, 业务工作, 工作动态信息]
    kind: dynamic
  - name: 办事服务
    match: [办事指南, 政务服务, 服务信息, 公共服务]
    kind: service
  - name: 规划计划
    match: [计划规划, 发展规划, 计划总结, 规划信息]
    kind: planning
  - name: 人事信息
    match: [人事任免, 人事管理, 人事信息公开]
    kind: personnel
  - name: 统计信息
    match: [统计数据, 统计分析, 统计月报]
    kind: statistics
    cadence: monthly
  - name: 财政预决算
    match: [财政信息, 财政资金, 预决算公开, 财政预决算信息, 部门预决算, 预算决算, 预决算]
    kind: other
  - name: 政府信息公开年度报告
    match: [政府信息公开年报, 政府信息公开工作年度报告, 信息公开年报, 年度报告, 政务公开年报]
    kind: annual-report   # checked by the annual-report check (31 January)
  - name: 政府信息公开指南
    match: [公开指南, 信息公开指南, 政务公开指南, 政府信息公开指南和目录]
    kind: guide
  - name: 机构职能
    match: [机构信息, 机构设置, 机构概况, 机构简介]
    kind: other
  # Policy interpretations (政策解读): uncomment once you have checked, with
  # "govaudit discover", that each unit's channel of this name holds the 解读 of
  # its own 规范性文件 — the interpretation check then deducts for every policy
  # whose 解读 it does not find there. Units without such a column are not judged.
  # - name: 政策解读
  #   match: [政策解读专栏, 解读回应]
  #   kind: interpretation

# Columns listed one by one: for channels that no template covers, or to give one
# unit's column its own settings (an explicit column with the id of a template's
# column replaces it). The id defaults to "<unit>/<name>".
columns: []
#  - unit: lzqtjj
#    name: 统计月报
#    url: http://www.linzi.gov.cn/gongkai/site_lzqtjj/channel_c_0123456789abcdef01234567_n_1600000000/
#    kind: statistics
#    cadence: monthly
#    key: true
#  - unit: lzqfgj          # a page family no profile knows: CSS selectors
#    name: 价格监测
#    url: http://www.example.gov.cn/jgjc/
#    kind: other
#    profile: generic
#    selectors: {item: "ul.list li", link: a, date: span, next: "a.next", body: "#content"}

# Letter boxes whose answers are timed (5 working days, Art. 6.4 of the measures).
mailboxes: []
#  - id: qzxx
#    name: 区长信箱
#    url: http://www.linzi.gov.cn/hdjl/qzxx/
#    unit: lzqrmzfbgs
#    reply_days: 5

rules:
  publish_days: 20             # Art. 8: published within 20 working days of being made
  mailbox_reply_days: 5        # Art. 6.4: letters answered within 5 working days
  # Longest gap between posts per column kind, in days (national spot-check indicators).
  stale_days: {dynamic: 14, notice: 183, policy: 183, planning: 365, personnel: 365}
  interpretation_days: 3       # Art. 6.4: a 规范性文件's 解读 within 3 working days of it
  rectify_days: 10             # Art. 13.4: findings a notice lists are fixed within 10 working days
  # Extra word lists for the wording check, in the format of rules/wordlists/*.yaml
  # (leader names and titles, fixed expressions, typo pairs); relative to this file.
  wording:
    files: []
  # The district's 主动公开基本目录 (CSV: 单位,事项,栏目,周期,时限) for the catalog check.
  catalog: ""
  # Per-check settings; a check not listed keeps its defaults (docs/CHECKS.md).
  checks: {}
  #  timeliness: {points: 1}
  #  stale-column: {enabled: true, scoring: false}

calendar:
  # Holiday files for years the built-in calendar does not know (the State Council
  # announces next year's schedule each November or December).
  overrides: []

scoring:
  quarter_points: 20           # daily assessment, per quarter (Art. 12)
  year_end_points: 20          # year-end assessment
  caps: {}                     # check id -> most points it may deduct in a quarter

# SMTP for the weekly digest; leave host empty to send nothing.
mail:
  host: ""
  # port: 587
  # tls: starttls              # none, starttls or implicit
  # user: govaudit@example.gov.cn
  # password_env: GOVAUDIT_SMTP_PASSWORD
  # from: govaudit@example.gov.cn
  # from_name: 区政务公开办
  # office: gongkai@example.gov.cn

web:
  addr: 127.0.0.1:8080         # the review UI
  session_hours: 12
  # sso_header: X-Remote-User  # only with trusted_proxy
  # trusted_proxy: 10.0.0.0/8

schedule:                      # cron specs, Asia/Shanghai time
  crawl: "0 2 * * *"           # nightly crawl and check
  digest: "0 8 * * 1"          # weekly digest, Monday 08:00

probes:
  interval: 30m                # availability probes of the home page
  timeout: 15s
  catalogs: false              # probe each unit's catalog page too

# People who may decide findings; password_hash is a bcrypt hash.
inspectors: []
#  - name: 张三
#    password_hash: "$2a$10$…"
#    role: inspector           # or viewer
`
