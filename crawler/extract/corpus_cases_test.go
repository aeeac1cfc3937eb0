package extract

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// corpusCase is one page of testdata/corpus: the URL it stands at, the
// profile the crawler reads it with, and what it is.
type corpusCase struct {
	file     string
	url      string
	family   string // "": detected
	kind     string // list, proxy, article, letters, letter, catalog
	listDate string // the list's date of an article page
}

const site = "http://www.example.gov.cn"

var corpusCases = []corpusCase{
	{file: "gk_doc_info_line.html", url: site + "/gongkai/site_lzqyjj/doc_64f1a2b3c4d5e6f708192a01.html", kind: "article"},
	{file: "gk_doc_wuwenhao.html", url: site + "/gongkai/site_lzqrmzfbgs/doc_64f1a2b3c4d5e6f708192a02.html", kind: "article"},
	{file: "gk_doc_meta_pubdate.html", url: site + "/gongkai/site_lzqfgj/doc_64f1a2b3c4d5e6f708192a03.html", kind: "article"},
	{file: "gk_doc_listdate.html", url: site + "/gongkai/site_lzqwlj/doc_64f1a2b3c4d5e6f708192a04.html", kind: "article", listDate: "2025-03-04"},
	{file: "gk_list.html", url: site + "/gongkai/site_lzqfgj/channel_c_5f1a2b3c4d5e6f7a8b9c0d1f_n_1600000001/index.html", kind: "list"},
	{file: "gk_list_fullwidth.html", url: site + "/gongkai/site_lzqtjj/channel_c_5f1a2b3c4d5e6f7a8b9c0d20_n_1600000002/", kind: "list"},
	{file: "gk_catalog.html", url: site + "/gongkai/site_lzqjtj/", kind: "catalog"},
	{file: "gk_doc_multi_att.html", url: site + "/gongkai/site_lzqczj/doc_64f1a2b3c4d5e6f708192a05.html", kind: "article"},
	{file: "gk_doc_pubtime_span.html", url: site + "/gongkai/site_lzqrmzfbgs/doc_64f1a2b3c4d5e6f708192a06.html", kind: "article"},
	{file: "hw_col_li.html", url: site + "/col/col1230/index.html", kind: "list"},
	{file: "hw_col_tr.html", url: site + "/col/col1288/index.html", kind: "list"},
	{file: "hw_col_div.html", url: site + "/col/col1301/index.html", kind: "list"},
	{file: "hw_col_totalrecord_tag.html", url: site + "/col/col1340/index.html", kind: "list"},
	{file: "hw_proxy_tr.xml", url: site + "/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=47&perpage=20", family: Hanweb, kind: "proxy"},
	{file: "hw_proxy_div.xml", url: site + "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=48&perpage=15", family: Hanweb, kind: "proxy"},
	{file: "hw_art_table.html", url: site + "/art/2025/12/30/art_1288_8801.html", kind: "article"},
	{file: "hw_art_meta_only.html", url: site + "/art/2026/4/29/art_1301_9100.html", kind: "article"},
	{file: "hw_art_firstpublished.html", url: site + "/art/2025/6/9/art_1288_8500.html", kind: "article"},
	{file: "hw_art_info_fulldate.html", url: site + "/art/2024/3/18/art_1301_7001.html", kind: "article"},
	{file: "jact_mailpublist.html", url: site + "/jact/front/mailpublist.do?sysid=84", family: Hanweb, kind: "letters"},
	{file: "jact_proxy_answer.js", url: site + "/jact/front/dataproxy_mailpublist.do?startrecord=1&endrecord=45&perpage=19", family: Hanweb, kind: "letters"},
	{file: "jact_letter.html", url: site + "/jact/front/mailpubdetail.do?sysid=84&mailid=ab12cd", family: Hanweb, kind: "letter"},
	{file: "mailbox_td_header.html", url: site + "/bmxx/list.jsp", kind: "letters"},
	{file: "mailbox_noheader.html", url: site + "/xxgk/letter/list.html", kind: "letters"},
	{file: "mailbox_datastore_header.html", url: site + "/zzxx/list.html", kind: "letters"},
	{file: "letter_dl.html", url: site + "/xxgk/letter/detail_8812.html", kind: "letter"},
	{file: "mailbox_ul_rows.html", url: site + "/hdjl/bmxx/index.html", kind: "letters"},
	{file: "letter_banjie.html", url: site + "/hdjl/qzxx/letter_9001.html", kind: "letter"},
	{file: "list_rowlink_jspager.html", url: site + "/xxgk/tzgg/index.html", kind: "list"},
	{file: "art_sidebar_dates.html", url: site + "/xxgk/zjj/202603/t20260302_8300001.html", kind: "article"},
	{file: "art_onclick_att.html", url: site + "/xxgk/zjj/202603/t20260305_8200001.html", kind: "article"},
	{file: "trs_list_table.html", url: site + "/lzq/zwgk/gfxwj/index.html", kind: "list"},
	{file: "trs_list_vars.html", url: site + "/lzq/zwgk/gzdt/index_1.shtml", kind: "list"},
	{file: "trs_list_newpager.html", url: site + "/lzq/zwgk/tzgg/index_1.html", kind: "list"},
	{file: "trs_list_bracket.html", url: site + "/jtj/zcjd/index.html", kind: "list"},
	{file: "trs_art_docwrite_concat.html", url: site + "/lzq/zwgk/czyjs/202602/t20260210_7712001.html", kind: "article"},
	{file: "trs_art_file_appendix.html", url: site + "/lzq/zwgk/zjyj/202509/t20250902_7500001.html", kind: "article"},
	{file: "trs_art_ul_li.html", url: site + "/lzq/zwgk/zcwj/202506/t20250625_7400001.html", kind: "article"},
	{file: "trs_art_fullwidth.html", url: site + "/lzq/zwgk/tzgg/202504/t20250402_7300001.html", kind: "article"},
	{file: "trs_art_att_labels.html", url: site + "/lzq/yjj/tzgg/202505/t20250508_7350001.html", kind: "article"},
	{file: "trs_art_docwrite_multi.html", url: site + "/lzq/tjj/tjgb/202603/t20260320_7720001.html", kind: "article"},
	{file: "jyh_art_dl.html", url: site + "/xxgk/czj/content/post_1012001.html", kind: "article"},
	{file: "jyh_art_div_pairs.html", url: site + "/xxgk/zcwj/content/post_1011002.html", kind: "article"},
	{file: "jyh_list_div.html", url: site + "/xxgk/tzgg/index.html", kind: "list"},
	{file: "kp_art_info_line.html", url: site + "/lzq/ybj/202509/a1b2c3d4e5.shtml", kind: "article"},
	{file: "kp_list_pager.html", url: site + "/lzq/nyj/bmwj/index.html?pageNum=2", kind: "list"},
	{file: "jeecms_art.html", url: site + "/tzgg/1180.jhtml", kind: "article"},
	{file: "jeecms_list.html", url: site + "/gzdt/index.jhtml", kind: "list"},
	{file: "periodic_list.html", url: site + "/gongkai/site_lzqtjj/channel_c_5f1a2b3c4d5e6f7a8b9c0d21_n_1600000003/", kind: "list"},
}

func corpusPage(t testing.TB, c corpusCase) Page {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "corpus", c.file))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.url)
	if err != nil {
		t.Fatal(err)
	}
	return Page{URL: u, Body: b, Family: c.family, Now: now, ListDate: c.listDate}
}
