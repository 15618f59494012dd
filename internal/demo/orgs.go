package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"tsunagari"
)

// dept describes a department of a demo employer before it is created.
type dept struct {
	name     string
	pref     string // prefecture of its workplace; "" for its parent's
	weight   int    // share of the org's employees placed directly here
	jobs     []wv   // job families of the people placed here
	children []dept
}

// unit is a department with people in it: a manager's office, a section,
// a care home.
func unit(name string, weight int, jobs []wv, children ...dept) dept {
	return dept{name: name, weight: weight, jobs: jobs, children: children}
}

// division is a 本部: its head and a small staff sit in it, everyone
// else in the departments below.
func division(name string, children ...dept) dept {
	return unit(name, 1, jManagement, children...)
}

// in places d's workplace, and by default its children's, in a
// prefecture.
func (d dept) in(pref string) dept {
	d.pref = pref
	return d
}

// flatten folds d's descendants into d: a small company has a デザイン部,
// not a デザイン部 with two groups.
func (d dept) flatten() dept {
	out := dept{name: d.name, pref: d.pref, weight: d.weight, jobs: d.jobs}
	for _, c := range d.children {
		c = c.flatten()
		out.weight += c.weight
		out.jobs = append(slices.Clone(out.jobs), c.jobs...)
	}
	return out
}

// prune keeps at most depth levels of ds.
func prune(ds []dept, depth int) []dept {
	out := make([]dept, len(ds))
	for i, d := range ds {
		if depth <= 1 {
			out[i] = d.flatten()
			continue
		}
		d.children = prune(d.children, depth-1)
		out[i] = d
	}
	return out
}

// Job families of the people in each kind of department.
var (
	jManagement  = []wv{{"management", 1}}
	jPlanning    = []wv{{"management", 3}, {"finance", 1}, {"marketing", 1}}
	jPR          = []wv{{"marketing", 3}, {"admin", 1}}
	jHR          = []wv{{"hr", 1}}
	jLabour      = []wv{{"hr", 3}, {"admin", 1}}
	jHRGeneral   = []wv{{"hr", 2}, {"admin", 2}}
	jFinance     = []wv{{"finance", 1}}
	jGeneral     = []wv{{"admin", 3}, {"legal", 1}}
	jLegal       = []wv{{"legal", 1}}
	jSmallAdmin  = []wv{{"admin", 2}, {"hr", 1}, {"finance", 1}}
	jSales       = []wv{{"sales", 9}, {"admin", 1}}
	jOverseas    = []wv{{"sales", 4}, {"marketing", 1}}
	jSalesPlan   = []wv{{"marketing", 3}, {"sales", 2}}
	jMarketing   = []wv{{"marketing", 1}}
	jEngineering = []wv{{"engineering", 1}}
	jResearch    = []wv{{"research", 4}, {"engineering", 1}}
	jQuality     = []wv{{"engineering", 2}, {"manufacturing", 2}, {"research", 1}}
	jIT          = []wv{{"it", 1}}
	jPlant       = []wv{{"management", 1}, {"admin", 2}}
	jFactory     = []wv{{"manufacturing", 1}}
	jProduction  = []wv{{"manufacturing", 2}, {"logistics", 2}}
	jMaintenance = []wv{{"manufacturing", 3}, {"engineering", 1}}
	jPurchasing  = []wv{{"logistics", 2}, {"admin", 1}}
	// Care: 介護職, with nurses and therapists (medical) and office staff.
	jCareLead    = []wv{{"management", 2}, {"care", 1}}
	jNursingHome = []wv{{"care", 8}, {"medical", 2}, {"admin", 1}}
	jRehab       = []wv{{"care", 6}, {"medical", 3}, {"admin", 1}}
	jGroupHome   = []wv{{"care", 9}, {"medical", 1}}
	jHomeVisit   = []wv{{"care", 1}}
	jDayService  = []wv{{"care", 6}, {"medical", 1}, {"logistics", 1}} // drivers fetch the guests
	jCareManager = []wv{{"care", 1}}
	jCareQuality = []wv{{"care", 2}, {"education", 1}}
	jClinic      = []wv{{"medical", 4}, {"admin", 1}}
	// IT and design.
	jSystems     = []wv{{"engineering", 3}, {"it", 2}}
	jWebDev      = []wv{{"engineering", 4}, {"it", 1}}
	jOperations  = []wv{{"it", 4}, {"engineering", 1}}
	jDesign      = []wv{{"design", 1}}
	jBrand       = []wv{{"design", 3}, {"creative", 2}}
	jDirection   = []wv{{"marketing", 2}, {"management", 1}, {"design", 1}}
	jTokyoOffice = []wv{{"sales", 2}, {"design", 1}, {"marketing", 1}}
	jDevQuality  = []wv{{"engineering", 1}, {"it", 1}}
	jLab         = []wv{{"research", 1}, {"engineering", 2}}
	// Retail, finance, logistics, construction, people services.
	jArea       = []wv{{"management", 2}, {"retail", 1}}
	jStore      = []wv{{"retail", 9}, {"admin", 1}}
	jBuyer      = []wv{{"retail", 2}, {"marketing", 1}}
	jEC         = []wv{{"marketing", 2}, {"it", 1}, {"engineering", 1}}
	jLogistics  = []wv{{"logistics", 1}}
	jDepot      = []wv{{"management", 1}, {"logistics", 2}}
	jDispatch   = []wv{{"logistics", 3}, {"admin", 1}}
	jSafety     = []wv{{"logistics", 1}, {"admin", 1}}
	jBanking    = []wv{{"sales", 3}, {"finance", 1}}
	jBranch     = []wv{{"sales", 2}, {"finance", 1}, {"admin", 2}}
	jRisk       = []wv{{"finance", 2}, {"legal", 1}}
	jBackOffice = []wv{{"admin", 3}, {"finance", 1}}
	jArchitect  = []wv{{"design", 2}, {"engineering", 1}}
	jSite       = []wv{{"engineering", 2}, {"manufacturing", 1}} // 施工管理 and crews
	jEstimate   = []wv{{"engineering", 1}, {"finance", 1}}
	jSiteSafety = []wv{{"engineering", 1}, {"admin", 1}}
	jAdvisor    = []wv{{"consulting", 3}, {"hr", 1}}
	jSuccess    = []wv{{"consulting", 1}, {"sales", 1}, {"admin", 1}}
)

// Age bands of each kind of workforce: manufacturers are older than
// design studios, care work draws people of every age.
var (
	agesGeneral = []wv{{"20s", 18}, {"30s", 24}, {"40s", 27}, {"50s", 23}, {"60s", 8}}
	agesMaker   = []wv{{"20s", 17}, {"30s", 22}, {"40s", 26}, {"50s", 26}, {"60s", 9}}
	agesCare    = []wv{{"20s", 15}, {"30s", 20}, {"40s", 25}, {"50s", 25}, {"60s", 15}}
	agesDigital = []wv{{"20s", 35}, {"30s", 38}, {"40s", 20}, {"50s", 6}, {"60s", 1}}
	agesManager = []wv{{"30s", 1}, {"40s", 4}, {"50s", 5}, {"60s", 1}}
)

// orgPlan is an employer to create.
type orgPlan struct {
	name, domain, brand string
	industry            string
	declared            int
	hq                  string
	ages                []wv
	tree                []dept
	employees           int // accounts to create, the demo personas included
	age                 time.Duration
}

// The three employers of the normal demo, one in each size band of the
// HR survey (PRODUCT.md §7). Their names and domains are fictional.
const (
	largeName = "相和精機工業株式会社"
	midName   = "株式会社ひだまりケア"
	smallName = "株式会社ミナモデザイン"
)

func demoOrgs() []orgPlan {
	return []orgPlan{{
		// A precision-machinery maker: head office in Tokyo, plants in
		// Niigata and Toyohashi, sales offices in Osaka and Nagoya.
		name: largeName, domain: "sowa-seiki.example", industry: "manufacturing",
		declared: 2380, hq: "13", ages: agesMaker, employees: 172, age: 400 * day,
		tree: []dept{
			division("経営企画本部",
				unit("経営企画部", 4, jPlanning),
				unit("広報・IR部", 2, jPR)),
			division("管理本部",
				unit("人事部", 1, jHR,
					unit("人事企画課", 3, jHR),
					unit("人材開発課", 3, jHR),
					unit("労務課", 2, jLabour)),
				unit("経理財務部", 5, jFinance),
				unit("総務部", 3, jGeneral),
				unit("法務・コンプライアンス部", 2, jLegal)),
			division("営業本部",
				unit("東日本営業部", 1, jSales,
					unit("第一営業課", 8, jSales),
					unit("第二営業課", 8, jSales)),
				unit("西日本営業部", 1, jSales,
					unit("大阪営業課", 7, jSales),
					unit("名古屋営業課", 6, jSales).in("23")).in("27"),
				unit("海外営業部", 5, jOverseas),
				unit("営業企画部", 3, jSalesPlan)),
			division("開発本部",
				unit("製品開発部", 1, jEngineering,
					unit("第一設計課", 9, jEngineering),
					unit("第二設計課", 9, jEngineering)),
				unit("先行技術研究所", 6, jResearch),
				unit("品質保証部", 6, jQuality),
				unit("情報システム部", 5, jIT)),
			division("生産本部",
				unit("新潟工場", 2, jPlant,
					unit("製造一課", 12, jFactory),
					unit("製造二課", 12, jFactory),
					unit("生産管理課", 5, jProduction)).in("15"),
				unit("豊橋工場", 1, jPlant,
					unit("製造課", 12, jFactory),
					unit("設備保全課", 5, jMaintenance)).in("23"),
				unit("調達部", 4, jPurchasing)),
		},
	}, {
		// A care-services company in Osaka with homes in Hyogo and Kyoto:
		// at this size retention is what HR worries about most.
		name: midName, domain: "hidamari-care.example", industry: "healthcare_welfare",
		declared: 640, hq: "27", ages: agesCare, employees: 101, age: 330 * day,
		tree: []dept{
			division("法人本部",
				unit("経営企画室", 2, jPlanning),
				unit("人事部", 1, jHR,
					unit("採用・研修課", 2, jHR),
					unit("労務課", 2, jLabour)),
				unit("経理部", 2, jFinance),
				unit("総務部", 2, jGeneral)),
			division("介護事業本部",
				unit("施設サービス部", 1, jCareLead,
					unit("特養ひだまり豊中", 14, jNursingHome),
					unit("老健ひだまり吹田", 12, jRehab),
					unit("グループホームひだまり西宮", 6, jGroupHome).in("28")),
				unit("在宅サービス部", 1, jCareLead,
					unit("ひだまり訪問介護ステーション", 8, jHomeVisit),
					unit("デイサービスひだまり千里", 8, jDayService),
					unit("ひだまり居宅介護支援事業所", 5, jCareManager)),
				unit("サービス品質推進室", 3, jCareQuality)),
			unit("京都事業部", 1, jCareLead,
				unit("特養ひだまり伏見", 10, jNursingHome),
				unit("デイサービスひだまり山科", 5, jDayService)).in("26"),
		},
	}, {
		// A web and design studio in Fukuoka with a small Tokyo office.
		name: smallName, domain: "minamo-design.example", industry: "it_telecom",
		declared: 52, hq: "40", ages: agesDigital, employees: 45, age: 250 * day,
		tree: []dept{
			unit("管理部", 4, jSmallAdmin),
			unit("デザイン部", 1, jDesign,
				unit("UI/UXデザイングループ", 7, jDesign),
				unit("ブランドデザイングループ", 5, jBrand)),
			unit("開発部", 1, jWebDev,
				unit("Webアプリケーショングループ", 9, jWebDev),
				unit("インフラグループ", 3, jOperations)),
			unit("ディレクション部", 5, jDirection),
			unit("東京オフィス", 4, jTokyoOffice).in("13"),
		},
	}}
}

const day = 24 * time.Hour

// staff returns the head-office departments of an employer of the given
// size band.
func staff(band tsunagari.SizeBand) []dept {
	switch band {
	case tsunagari.SizeSmall:
		return []dept{unit("管理部", 4, jSmallAdmin)}
	case tsunagari.SizeMid:
		return []dept{
			unit("経営企画室", 2, jPlanning),
			division("管理本部",
				unit("人事総務部", 3, jHRGeneral),
				unit("経理部", 2, jFinance)),
		}
	}
	return []dept{
		unit("経営企画部", 3, jPlanning),
		division("管理本部",
			unit("人事部", 1, jHR,
				unit("人事課", 3, jHR),
				unit("人材開発課", 2, jHR)),
			unit("経理部", 4, jFinance),
			unit("総務部", 3, jGeneral),
			unit("法務部", 2, jLegal)),
		unit("情報システム部", 3, jIT),
	}
}

// lineOf returns the operating departments of an employer in industry;
// brand names its care homes and clinics.
func lineOf(industry, brand string) []dept {
	switch industry {
	case "manufacturing":
		return []dept{
			division("営業本部",
				unit("東日本営業部", 1, jSales,
					unit("第一営業課", 8, jSales),
					unit("第二営業課", 8, jSales)),
				unit("西日本営業部", 8, jSales).in("27"),
				unit("営業企画部", 3, jSalesPlan)),
			division("技術本部",
				unit("設計部", 1, jEngineering,
					unit("設計一課", 8, jEngineering),
					unit("設計二課", 7, jEngineering)),
				unit("品質保証部", 5, jQuality),
				unit("技術研究所", 4, jResearch)),
			division("生産本部",
				unit("第一工場", 2, jPlant,
					unit("製造課", 14, jFactory),
					unit("生産管理課", 5, jProduction)),
				unit("第二工場", 2, jPlant,
					unit("製造課", 12, jFactory),
					unit("設備保全課", 4, jMaintenance)),
				unit("購買部", 4, jPurchasing)),
		}
	case "it_telecom":
		return []dept{
			division("事業本部",
				unit("ソリューション事業部", 1, jManagement,
					unit("第一開発課", 10, jSystems),
					unit("第二開発課", 10, jSystems),
					unit("第三開発課", 8, jSystems)),
				unit("クラウド事業部", 1, jManagement,
					unit("インフラ構築課", 7, jIT),
					unit("運用保守課", 8, jOperations))),
			division("営業本部",
				unit("法人営業部", 8, jSales),
				unit("パートナー営業部", 4, jSales),
				unit("マーケティング部", 4, jMarketing)),
			division("技術本部",
				unit("品質管理部", 4, jDevQuality),
				unit("研究開発部", 4, jLab),
				unit("デザイン部", 3, jDesign)),
		}
	case "healthcare_welfare":
		return []dept{
			division("介護事業本部",
				unit("施設サービス部", 1, jCareLead,
					unit("特養"+brand+"の里", 14, jNursingHome),
					unit("老健"+brand, 12, jRehab),
					unit("グループホーム"+brand, 6, jGroupHome)),
				unit("在宅サービス部", 1, jCareLead,
					unit(brand+"訪問介護ステーション", 8, jHomeVisit),
					unit("デイサービス"+brand, 8, jDayService),
					unit(brand+"居宅介護支援事業所", 5, jCareManager))),
			division("医療事業部",
				unit(brand+"クリニック", 5, jClinic),
				unit(brand+"訪問看護ステーション", 4, jClinic)),
			unit("サービス品質推進室", 3, jCareQuality),
		}
	case "retail":
		return []dept{
			division("店舗運営本部",
				unit("関東エリア", 1, jArea,
					unit("新宿店", 10, jStore).in("13"),
					unit("横浜店", 9, jStore).in("14"),
					unit("大宮店", 8, jStore).in("11")),
				unit("関西エリア", 1, jArea,
					unit("梅田店", 9, jStore).in("27"),
					unit("三宮店", 7, jStore).in("28"),
					unit("京都四条店", 6, jStore).in("26"))),
			division("商品本部",
				unit("商品部", 1, jBuyer,
					unit("食品課", 4, jBuyer),
					unit("生活用品課", 4, jBuyer)),
				unit("販売促進部", 3, jMarketing)),
			unit("EC事業部", 4, jEC),
			unit("物流センター", 6, jLogistics),
		}
	case "finance":
		return []dept{
			division("営業本部",
				unit("法人営業部", 1, jBanking,
					unit("法人第一課", 6, jBanking),
					unit("法人第二課", 6, jBanking)),
				unit("個人営業部", 1, jBanking,
					unit("本店営業課", 6, jBranch),
					unit("駅前支店", 5, jBranch),
					unit("中央支店", 5, jBranch))),
			division("融資本部",
				unit("審査部", 5, jFinance),
				unit("融資管理部", 4, jBackOffice)),
			unit("リスク統括部", 3, jRisk),
			unit("事務センター", 6, jBackOffice),
		}
	case "logistics":
		return []dept{
			division("営業本部",
				unit("第一営業部", 6, jSales),
				unit("第二営業部", 5, jSales)),
			division("物流事業本部",
				unit("関東物流センター", 2, jDepot,
					unit("入出荷課", 10, jLogistics),
					unit("在庫管理課", 6, jLogistics)).in("11"),
				unit("関西物流センター", 2, jDepot,
					unit("入出荷課", 8, jLogistics),
					unit("在庫管理課", 5, jLogistics)).in("27"),
				unit("運行管理部", 6, jDispatch)),
			unit("安全品質部", 3, jSafety),
		}
	case "construction":
		return []dept{
			division("建築本部",
				unit("設計部", 1, jArchitect,
					unit("意匠設計課", 5, jArchitect),
					unit("構造設計課", 4, jEngineering)),
				unit("工事部", 1, jSite,
					unit("工事一課", 9, jSite),
					unit("工事二課", 8, jSite))),
			division("土木本部",
				unit("土木工事部", 8, jSite),
				unit("土木技術部", 4, jEngineering)),
			unit("営業部", 6, jSales),
			unit("積算部", 3, jEstimate),
			unit("安全環境部", 3, jSiteSafety),
		}
	}
	// People services: recruitment and career support.
	return []dept{
		division("事業本部",
			unit("法人営業部", 1, jSales,
				unit("第一営業課", 8, jSales),
				unit("第二営業課", 7, jSales)),
			unit("キャリア支援部", 1, jAdvisor,
				unit("首都圏チーム", 8, jAdvisor).in("13"),
				unit("関西チーム", 6, jAdvisor).in("27"))),
		unit("カスタマーサクセス部", 5, jSuccess),
		unit("マーケティング部", 3, jMarketing),
	}
}

// Synthetic employers for large demos are named from a stem and a
// business word, as Japanese companies often are.
var (
	stems = [][2]string{ // the stem and its romaji for the mail domain
		{"青葉", "aoba"}, {"東栄", "toei"}, {"北斗", "hokuto"}, {"光陽", "koyo"}, {"三和", "sanwa"}, {"富士見", "fujimi"},
		{"若葉", "wakaba"}, {"白鷺", "shirasagi"}, {"千歳", "chitose"}, {"常盤", "tokiwa"}, {"浜風", "hamakaze"}, {"一心", "isshin"},
		{"栄進", "eishin"}, {"昭栄", "shoei"}, {"共栄", "kyoei"}, {"協和", "kyowa"}, {"信和", "shinwa"}, {"丸和", "maruwa"},
		{"弥生", "yayoi"}, {"暁", "akatsuki"}, {"清流", "seiryu"}, {"瑞光", "zuiko"}, {"大樹", "taiju"}, {"新星", "shinsei"},
		{"朝凪", "asanagi"}, {"曙", "akebono"}, {"旭陽", "kyokuyo"}, {"南星", "nansei"}, {"東雲", "shinonome"}, {"萌黄", "moegi"},
		{"菱和", "ryowa"}, {"泉", "izumi"}, {"緑風", "ryokufu"}, {"晴海", "harumi"}, {"高砂", "takasago"}, {"四季", "shiki"},
		{"翠", "midori"}, {"和光", "wako"}, {"豊栄", "hoei"}, {"相生", "aioi"}, {"雄峰", "yuho"}, {"つばさ", "tsubasa"},
	}
	// regions tell apart two employers that would otherwise share a name.
	regions = [][2]string{
		{"東日本", "higashinihon"}, {"西日本", "nishinihon"}, {"北日本", "kitanihon"},
		{"中部", "chubu"}, {"関西", "kansai"}, {"九州", "kyushu"}, {"北陸", "hokuriku"},
		{"東海", "tokai"}, {"湘南", "shonan"}, {"京浜", "keihin"},
	}
	industriesAtScale = []wv{
		{"manufacturing", 4}, {"it_telecom", 3}, {"healthcare_welfare", 2}, {"retail", 2},
		{"services", 2}, {"finance", 1}, {"logistics", 1}, {"construction", 1},
	}
)

// business is the word after the stem; corp says whether the name
// carries 株式会社 (a 信用金庫 does not).
type business struct {
	ja, ro string
	corp   bool
}

var businesses = map[string][]business{
	"manufacturing": {{"精機", "seiki", true}, {"工業", "kogyo", true}, {"電機", "denki", true},
		{"化成", "kasei", true}, {"製作所", "seisakusho", true}, {"金属", "kinzoku", true}},
	"it_telecom": {{"システムズ", "systems", true}, {"ソフトウェア", "software", true},
		{"情報サービス", "joho", true}, {"テクノロジーズ", "tech", true}, {"ネットワークス", "networks", true}},
	"healthcare_welfare": {{"ケアサービス", "care", true}, {"ライフケア", "lifecare", true},
		{"メディカルケア", "medicalcare", true}, {"介護サービス", "kaigo", true}},
	"retail": {{"ストアーズ", "stores", true}, {"商事", "shoji", true}, {"マート", "mart", true},
		{"ドラッグ", "drug", true}},
	"finance": {{"信用金庫", "shinkin", false}, {"証券", "shoken", true}, {"リース", "lease", true},
		{"保険サービス", "hoken", true}},
	"logistics": {{"運輸", "unyu", true}, {"物流", "butsuryu", true}, {"ロジスティクス", "logi", true},
		{"通運", "tsuun", true}},
	"construction": {{"建設", "kensetsu", true}, {"工務店", "komuten", true}, {"組", "gumi", true},
		{"ハウジング", "housing", true}},
	"services": {{"キャリアサポート", "career", true}, {"ビジネスサービス", "bs", true},
		{"人材センター", "jinzai", true}, {"コンサルティング", "consulting", true}},
}

// scaleOrgs plans max(3, scale/10) employers sharing scale×1,000
// employees. The three demo employers come first; the others are drawn in
// every size band. Small and mid-size employers get the share their
// declared headcount allows; the large ones take the rest.
func scaleOrgs(p *Population) ([]orgPlan, error) {
	r := p.Rand
	n := max(3, p.Scale/10)
	total := p.Scale * 1000
	plans := demoOrgs()
	taken := map[string]bool{}
	for _, pl := range plans {
		taken[pl.domain] = true
	}
	industries := choose(industriesAtScale)
	for len(plans) < n {
		industry := industries.pick(r)
		pl := orgPlan{industry: industry, hq: p.geo.hq.pick(r), age: time.Duration(30+r.IntN(390)) * day}
		if err := nameOrg(r, &pl, taken); err != nil {
			return nil, err
		}
		switch x := r.IntN(100); {
		case x < 45:
			pl.declared = 20 + r.IntN(281)
		case x < 75:
			pl.declared = 301 + r.IntN(700)
		default:
			pl.declared = 1001 + r.IntN(9000)
		}
		band := tsunagari.SizeBandOf(pl.declared)
		pl.tree = append(staff(band), lineOf(industry, pl.brand)...)
		if band == tsunagari.SizeSmall {
			pl.tree = prune(pl.tree, 2)
		}
		switch industry {
		case "manufacturing", "construction", "logistics":
			pl.ages = agesMaker
		case "healthcare_welfare":
			pl.ages = agesCare
		case "it_telecom":
			pl.ages = agesDigital
		default:
			pl.ages = agesGeneral
		}
		plans = append(plans, pl)
	}

	// Small and mid-size employers: 50–90% of the declared headcount
	// have signed up, within 60% of all employees.
	var large []int
	fixed := 0
	for i := range plans {
		pl := &plans[i]
		if pl.declared > 1000 {
			large = append(large, i)
			continue
		}
		pl.employees = max(5, pl.declared*(50+r.IntN(41))/100)
		fixed += pl.employees
	}
	if limit := total * 6 / 10; fixed > limit {
		scaled := 0
		for i := range plans {
			if pl := &plans[i]; pl.declared <= 1000 {
				pl.employees = max(5, pl.employees*limit/fixed)
				scaled += pl.employees
			}
		}
		fixed = scaled
	}
	weights := make([]int, len(large))
	for i := range weights {
		weights[i] = 1 + r.IntN(10)
	}
	for k, share := range allocate(max(total-fixed, len(large)*5), weights) {
		pl := &plans[large[k]]
		pl.employees = max(5, share)
		// The declared headcount is larger than the number signed up.
		pl.declared = min(1_000_000, max(pl.declared, pl.employees*100/(60+r.IntN(31))))
	}
	return plans, nil
}

// nameOrg gives pl a name, a brand and a mail domain no other employer
// has.
func nameOrg(r *rand.Rand, pl *orgPlan, taken map[string]bool) error {
	bs := businesses[pl.industry]
	for try := range 200 {
		st, b := stems[r.IntN(len(stems))], bs[r.IntN(len(bs))]
		stem, domain := st[0], st[1]
		name := stem + b.ja
		if try >= 50 { // common names are taken: add a region
			reg := regions[r.IntN(len(regions))]
			name, domain = stem+reg[0]+b.ja, domain+"-"+reg[1]
		}
		domain += "-" + b.ro + ".example"
		if taken[domain] {
			continue
		}
		taken[domain] = true
		pl.name, pl.brand, pl.domain = name, stem, domain
		if b.corp {
			if r.IntN(2) == 0 {
				pl.name = "株式会社" + name
			} else {
				pl.name = name + "株式会社"
			}
		}
		return nil
	}
	return fmt.Errorf("no unused name for a %s employer", pl.industry)
}

// createOrgs is the step that creates the employers and their department
// trees.
func createOrgs(ctx context.Context, p *Population) error {
	plans := demoOrgs()
	if p.Scale > 1 {
		var err error
		if plans, err = scaleOrgs(p); err != nil {
			return err
		}
	}
	for _, pl := range plans {
		if err := p.createEmployer(ctx, pl); err != nil {
			return fmt.Errorf("%s: %w", pl.name, err)
		}
	}
	return nil
}

func (p *Population) createEmployer(ctx context.Context, pl orgPlan) error {
	created := p.Now.Add(-pl.age).Truncate(time.Hour)
	o := &tsunagari.Org{
		ID:                p.NewID(),
		Name:              pl.name,
		Industry:          pl.industry,
		DeclaredEmployees: pl.declared,
		MinGroupSize:      tsunagari.DefaultMinGroupSize,
		CreatedAt:         created,
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if err := p.Stores.Orgs.CreateOrg(ctx, o); err != nil {
		return fmt.Errorf("create org: %w", err)
	}
	e := &Employer{
		Org:    o,
		Domain: pl.domain,
		HQ:     pl.hq,
		plan:   pl.employees,
		ages:   choose(pl.ages),
		byPath: map[string]*tsunagari.Department{},
	}
	p.Employers = append(p.Employers, e)
	p.byOrg[o.ID] = e
	// HR sets up the tree in one sitting, a minute per department.
	at := created.Add(time.Hour)
	var walk func(ds []dept, parent *tsunagari.Department, path, pref string) error
	walk = func(ds []dept, parent *tsunagari.Department, path, pref string) error {
		for _, d := range ds {
			dep := &tsunagari.Department{ID: p.NewID(), OrgID: o.ID, Name: d.name, CreatedAt: at}
			at = at.Add(time.Minute)
			if parent != nil {
				dep.ParentID = parent.ID
			}
			if err := dep.Validate(); err != nil {
				return err
			}
			if err := p.Stores.Orgs.CreateDepartment(ctx, dep); err != nil {
				return fmt.Errorf("create department %s: %w", d.name, err)
			}
			full := d.name
			if path != "" {
				full = path + pathSep + d.name
			}
			where := pref
			if d.pref != "" {
				where = d.pref
			}
			e.Departments = append(e.Departments, dep)
			e.byPath[full] = dep
			if d.weight > 0 {
				e.units = append(e.units, workplace{dept: dep, weight: d.weight, jobs: choose(d.jobs), pref: where})
			}
			if err := walk(d.children, dep, full, where); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(pl.tree, nil, "", pl.hq)
}

// Department returns the department of e at the given path of names from
// the top, such as Department("管理本部", "人事部"), or nil.
func (e *Employer) Department(path ...string) *tsunagari.Department {
	return e.byPath[strings.Join(path, pathSep)]
}

// pathSep joins department names into a path. Names may hold a slash
// (UI/UXデザイングループ) but never a control character.
const pathSep = "\x1f"
