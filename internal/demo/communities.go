package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"tsunagari"
)

// The communities step writes the directory of third communities: more
// than sixty, of all six kinds, across the country, each with members
// drawn from the demo's people by who would join it: Niigata-born people
// in the Niigata alumni groups, care workers in the care workers' dialogue
// café, former staff of the demo employers in their alumni networks. Some
// members have been in long enough to rate the five traits; a few wait
// for an organiser's approval; one community is hidden by the operator.
//
// The two member personas join nothing here, so that what tsunagari
// suggests to them shows on their first visit.

// pick says whether an account would join a community.
type pick func(a *tsunagari.Account) bool

func jobs(js ...string) pick {
	return func(a *tsunagari.Account) bool { return slices.Contains(js, a.JobFamily) }
}
func homes(ps ...string) pick {
	return func(a *tsunagari.Account) bool { return slices.Contains(ps, a.HomePrefecture) }
}
func lives(ps ...string) pick {
	return func(a *tsunagari.Account) bool { return slices.Contains(ps, a.Prefecture) }
}
func inds(is ...string) pick {
	return func(a *tsunagari.Account) bool { return slices.Contains(is, a.Industry) }
}
func ages(bs ...string) pick {
	return func(a *tsunagari.Account) bool { return slices.Contains(bs, a.AgeBand) }
}
func both(ps ...pick) pick {
	return func(a *tsunagari.Account) bool {
		for _, p := range ps {
			if !p(a) {
				return false
			}
		}
		return true
	}
}
func either(ps ...pick) pick {
	return func(a *tsunagari.Account) bool {
		for _, p := range ps {
			if p(a) {
				return true
			}
		}
		return false
	}
}
func anyone(*tsunagari.Account) bool { return true }

// independent picks people without an employer on the platform.
func independent(a *tsunagari.Account) bool { return a.Employment == nil }

// communityPlan is one community of the demo directory.
type communityPlan struct {
	kind                 tsunagari.CommunityKind
	name, purpose, about string
	tags                 []string
	styles               string // s: study sessions, o: online group, e: events, p: projects
	pref                 string // where it meets; "" online only
	online               bool
	home                 string // regional alumni: the region
	alumniOf             int    // corporate alumni of a demo employer: sowa, hidamari or minamo; 0 for none
	fee, hours           int
	traits               string // m: member run, p: purpose fit, f: flexible, x: free exit, n: newcomer support
	approval             bool
	lead                 string // email of the persona who organises it; "" to draw one from its members
	size                 int    // members wanted besides the organiser
	who                  pick
	hidden               string // the operator's reason for hiding it
	job, industry        string
}

// The demo employers whose alumni have a community, for alumniOf.
const (
	sowa     = 1 + Large
	hidamari = 1 + Mid
	minamo   = 1 + Small
)

var communityPlans = []communityPlan{
	// 職業コミュニティ
	{kind: tsunagari.CommunityOccupational, name: "介護職の対話カフェ（月1回・土曜午後）",
		purpose: "介護・看護の現場で働く人が、職場では話しにくい悩みを安心して語り合う",
		about:   "毎月第2土曜の午後、介護職・看護職・施設長・ケアマネが集まる対話の場です。結論や正解は求めず、聴き合うことを大切にしています。見学だけの参加も歓迎。オンラインでも同時開催しています。",
		tags:    []string{"介護", "看護", "対話", "ケア"}, styles: "eo", pref: "13", online: true, fee: 500, hours: 3,
		traits: "mpfxn", size: 22, who: jobs("care", "medical"), job: "care", industry: "healthcare_welfare"},
	{kind: tsunagari.CommunityOccupational, name: "ケアマネ・相談員の事例検討会 大阪",
		purpose: "ケアプランや相談支援の事例を持ち寄り、多職種の視点で学び合う",
		about:   "月1回、大阪市内の会議室で事例検討をしています。個人情報は加工して持ち寄ります。初めての方は見学からどうぞ。",
		tags:    []string{"ケアマネージャー", "事例検討", "介護"}, styles: "s", pref: "27", fee: 1000, hours: 3,
		traits: "mpn", size: 12, who: both(jobs("care", "medical"), lives("27", "28", "26", "29")), job: "care", industry: "healthcare_welfare"},
	{kind: tsunagari.CommunityOccupational, name: "施設長・管理者のための越境ゼミ",
		purpose: "介護・保育・医療の管理者が、業界を越えて組織づくりを学ぶ",
		about:   "介護施設、保育園、クリニックの管理者が、採用・定着・チームづくりを一緒に考えます。毎回ゲストに他業界のマネージャーを招きます。",
		tags:    []string{"管理職", "越境学習", "介護", "保育"}, styles: "so", pref: "", online: true, fee: 2000, hours: 4,
		traits: "pfn", approval: true, size: 10, who: either(jobs("care", "medical", "management"), inds("healthcare_welfare")), job: "management", industry: "healthcare_welfare"},
	{kind: tsunagari.CommunityOccupational, name: "設計エンジニアの技術勉強会 新潟",
		purpose: "機械設計・生産技術のエンジニアが会社を越えて技術と働き方を学び合う",
		about:   "燕三条・長岡・新潟市のものづくり企業のエンジニアが、CAD・解析・品質の事例を共有しています。年に一度、工場見学もあります。",
		tags:    []string{"設計", "ものづくり", "エンジニア", "新潟"}, styles: "se", pref: "15", online: true, fee: 0, hours: 2,
		traits: "mfxn", size: 16, who: both(jobs("engineering", "manufacturing", "research"), either(lives("15"), homes("15"))), job: "engineering", industry: "manufacturing"},
	{kind: tsunagari.CommunityOccupational, name: "Webマーケター朝活勉強会",
		purpose: "Web広告・SNS運用・分析の実務を、朝の30分で学び合う",
		about:   "毎週水曜7:30からオンラインで30分。当番がひとつ事例を紹介し、残りの時間で質問し合います。カメラオフ可。",
		tags:    []string{"マーケティング", "SNS", "朝活", "Web"}, styles: "so", pref: "", online: true, fee: 0, hours: 2,
		traits: "mfxn", lead: "organiser@tsunagari.example", size: 14, who: jobs("marketing", "creative", "design", "sales"), job: "marketing"},
	{kind: tsunagari.CommunityOccupational, name: "人事・労務の実務交流会（中小企業）",
		purpose: "中小企業でひとり・少人数で人事を担う人が、悩みと工夫を分かち合う",
		about:   "総務や経理と兼務で人事を担当している方が中心です。就業規則、評価制度、採用の工夫などを持ち寄ります。",
		tags:    []string{"人事", "労務", "中小企業"}, styles: "so", pref: "40", online: true, fee: 0, hours: 2,
		traits: "pfxn", size: 10, who: jobs("hr", "admin"), job: "hr"},
	{kind: tsunagari.CommunityOccupational, name: "保育士のキャリアを考える会",
		purpose: "保育の仕事を続けたい人・離れた人が、これからの働き方を一緒に考える",
		about:   "保育園、学童、ベビーシッター、転職を考えている人まで。月1回のオンライン座談会と、年2回の交流会をしています。",
		tags:    []string{"保育", "保育士", "キャリア", "復職"}, styles: "oe", pref: "14", online: true, fee: 0, hours: 2,
		traits: "fxn", size: 8, who: either(jobs("education"), both(independent, ages("30s"))), job: "education"},
	{kind: tsunagari.CommunityOccupational, name: "文章講座・書く仕事のゼミ",
		purpose: "書くことを仕事にしたい人が、互いの原稿を読み合って腕を磨く",
		about:   "月2回、課題の原稿を持ち寄って講評し合います。ライター、編集者、広報担当、会社員の書き手が参加しています。",
		tags:    []string{"ライター", "文章", "編集", "副業"}, styles: "s", pref: "13", online: true, fee: 3000, hours: 6,
		traits: "pn", approval: true, size: 9, who: jobs("creative", "marketing", "admin"), job: "creative", industry: "media"},
	{kind: tsunagari.CommunityOccupational, name: "社内SE・情シスの集い",
		purpose: "ひとり情シスや社内SEが、ツール選びや運用の悩みを相談し合う",
		about:   "Slackでの日常の相談と、四半期ごとのオンライン勉強会。ベンダーの営業はお断りしています。",
		tags:    []string{"IT", "情シス", "社内SE"}, styles: "so", pref: "", online: true, fee: 0, hours: 1,
		traits: "mfxn", size: 12, who: jobs("it", "engineering"), job: "it", industry: "it_telecom"},
	{kind: tsunagari.CommunityOccupational, name: "デザイナーのポートフォリオ講評会 福岡",
		purpose: "デザイナーが作品を見せ合い、率直なフィードバックで成長する",
		about:   "天神で月1回。会社員、フリーランス、学生のデザイナーが作品を持ち寄ります。転職や独立の相談も自然と生まれます。",
		tags:    []string{"デザイン", "ポートフォリオ", "フリーランス"}, styles: "se", pref: "40", online: false, fee: 500, hours: 3,
		traits: "mpn", size: 9, who: jobs("design", "creative"), job: "design"},
	{kind: tsunagari.CommunityOccupational, name: "営業職のキャリア相談室",
		purpose: "法人営業・販売の経験を次のキャリアにどう生かすかを語り合う",
		about:   "営業から企画・人事・起業に移った先輩の話を聞く会と、少人数の相談会。転職するかどうか迷っている段階の人も歓迎です。",
		tags:    []string{"営業", "転職", "キャリア"}, styles: "eo", pref: "27", online: true, fee: 0, hours: 2,
		traits: "fxn", size: 12, who: jobs("sales", "retail"), job: "sales"},
	{kind: tsunagari.CommunityOccupational, name: "キャリアコンサルタント実践研究会",
		purpose: "国家資格キャリアコンサルタントが、面談の技法と倫理を学び続ける",
		about:   "逐語記録の検討会とスーパービジョン。企業内・ハローワーク・大学・独立など、さまざまな現場のコンサルタントが参加しています。",
		tags:    []string{"キャリアコンサルタント", "傾聴", "面談"}, styles: "s", pref: "14", online: true, fee: 1500, hours: 4,
		traits: "mpn", lead: "consultant@tsunagari.example", size: 5, who: jobs("consulting", "hr"), job: "consulting"},
	{kind: tsunagari.CommunityOccupational, name: "製造業の品質保証ネットワーク 東海",
		purpose: "品質保証・品質管理の担当者が、不具合対応と改善の知恵を共有する",
		about:   "愛知・静岡・岐阜のメーカーの品証担当が、年4回の勉強会と工場見学をしています。",
		tags:    []string{"品質管理", "製造", "ものづくり"}, styles: "se", pref: "23", fee: 0, hours: 2,
		traits: "mp", size: 10, who: both(jobs("manufacturing", "engineering", "research"), lives("23", "22", "21", "24")), job: "manufacturing", industry: "manufacturing"},
	{kind: tsunagari.CommunityOccupational, name: "経理・財務の学び直しサロン",
		purpose: "経理・財務の担当者が、会計制度の変化とキャリアを一緒に学ぶ",
		about:   "インボイスや電子帳簿、管理会計のテーマで月1回のオンライン勉強会。簿記の学び直し仲間も見つかります。",
		tags:    []string{"経理", "財務", "学び直し"}, styles: "so", pref: "", online: true, fee: 0, hours: 2,
		traits: "fxn", size: 8, who: jobs("finance", "admin"), job: "finance"},
	{kind: tsunagari.CommunityOccupational, name: "スタートアップ・ウィークエンド 仙台",
		purpose: "金曜夜から日曜まで54時間で、チームを組んで事業のアイデアを形にする",
		about:   "年2回開催。会社員、学生、エンジニア、デザイナーが集まり、アイデアの発表からチーム結成、最終発表までを体験します。",
		tags:    []string{"起業", "スタートアップ", "イベント"}, styles: "ep", pref: "04", fee: 0, hours: 0,
		traits: "fxn", size: 10, who: either(jobs("engineering", "design", "marketing", "it"), ages("20s")), industry: "services"},
	{kind: tsunagari.CommunityOccupational, name: "ナース・介護職のための学び直しオンライン",
		purpose: "夜勤や交代勤務の合間に、医療・介護職が少しずつ学び直す",
		about:   "録画で見られる15分の講座と、月1回のオンライン交流会。認知症ケア、看取り、キャリアの棚卸しなど。",
		tags:    []string{"看護", "介護", "学び直し", "オンライン"}, styles: "so", pref: "", online: true, fee: 0, hours: 1,
		traits: "fxn", size: 14, who: jobs("care", "medical"), industry: "healthcare_welfare"},

	// 企業アルムナイ
	{kind: tsunagari.CommunityCorporateAlumni, name: "相和精機アルムナイ・ネットワーク",
		purpose: "相和精機工業を卒業した人と会社が、再雇用・協業・紹介でつながり続ける",
		about:   "会社公認のアルムナイネットワークです。年1回のホームカミングデー、再入社や業務委託の案内、現役社員とのオンライン交流会があります。定年退職者だけでなく、転職した人ならどなたでも。",
		tags:    []string{"アルムナイ", "再雇用", "協業", "ものづくり"}, styles: "oe", pref: "13", online: true, alumniOf: sowa, fee: 0, hours: 0,
		traits: "fxn", approval: true, lead: "hr@tsunagari.example", size: 14, who: both(independent, either(inds("manufacturing"), jobs("engineering", "manufacturing")))},
	{kind: tsunagari.CommunityCorporateAlumni, name: "ひだまりケア OB・OGの会",
		purpose: "ひだまりケアで働いた人が、介護の仕事と仲間とのつながりを続ける",
		about:   "退職後も研修や勉強会に参加でき、パートや夜勤のお手伝い、復職の相談もできます。",
		tags:    []string{"アルムナイ", "介護", "復職"}, styles: "oe", pref: "27", online: true, alumniOf: hidamari, fee: 0, hours: 0,
		traits: "fxn", approval: true, lead: "hr-mid@tsunagari.example", size: 10, who: both(independent, either(inds("healthcare_welfare"), jobs("care")))},
	{kind: tsunagari.CommunityCorporateAlumni, name: "ミナモデザイン卒業生の会",
		purpose: "ミナモデザインで働いた人が、仕事の紹介や協業でゆるくつながる",
		about:   "福岡のWeb・デザイン会社の卒業生コミュニティ。フリーランスになった卒業生への案件相談もここから始まります。",
		tags:    []string{"アルムナイ", "デザイン", "フリーランス", "福岡"}, styles: "o", pref: "40", online: true, alumniOf: minamo, fee: 0, hours: 0,
		traits: "mfx", lead: "hr-small@tsunagari.example", size: 6, who: both(independent, jobs("design", "creative", "engineering"))},
	{kind: tsunagari.CommunityCorporateAlumni, name: "北斗銀行 OB・OGネットワーク",
		purpose: "地方銀行を卒業した人が、地域の事業と金融の知見でつながる",
		about:   "北海道で働く・働いた金融パーソンの会。事業承継や地域企業の支援で、卒業生同士の協業が生まれています。",
		tags:    []string{"アルムナイ", "金融", "北海道", "事業承継"}, styles: "oe", pref: "01", online: true, fee: 0, hours: 0,
		traits: "fx", size: 6, who: inds("finance")},
	{kind: tsunagari.CommunityCorporateAlumni, name: "大手広告会社アルムナイ・クリエイターズ",
		purpose: "広告会社の出身者が、独立後も互いに仕事を紹介し合う",
		about:   "独立したプランナー、コピーライター、デザイナー、プロデューサーの集まり。年に数回の交流会と案件の相談。",
		tags:    []string{"アルムナイ", "広告", "クリエイティブ", "独立"}, styles: "oe", pref: "13", online: true, fee: 0, hours: 0,
		traits: "fx", approval: true, size: 8, who: either(inds("media"), jobs("creative", "marketing"))},
	{kind: tsunagari.CommunityCorporateAlumni, name: "電機メーカー出身エンジニアの会",
		purpose: "電機メーカーを離れたエンジニアが、技術と次のキャリアを語り合う",
		about:   "スタートアップ、大学、中小メーカー、独立と、散らばった元同僚が年2回集まります。技術顧問や副業の相談も。",
		tags:    []string{"アルムナイ", "エンジニア", "副業"}, styles: "eo", pref: "14", online: true, fee: 0, hours: 0,
		traits: "fx", size: 8, who: both(jobs("engineering", "research", "it"), ages("40s", "50s", "60s"))},

	// 地域アルムナイ・県人会
	{kind: tsunagari.CommunityRegionalAlumni, name: "にいがた県人会 in 東京（SNS）",
		purpose: "新潟出身・新潟にゆかりのある20〜30代が、東京でゆるくつながる",
		about:   "Facebookグループから始まった県人会です。月1回の飲み会、へぎそば部、地元企業のオンライン見学会。Uターンや二拠点生活を考える人の相談も多く、ここから新潟に戻って地元の歴史を書くライターになったメンバーもいます。",
		tags:    []string{"新潟", "Uターン", "県人会", "交流会"}, styles: "oe", pref: "13", online: true, home: "15", fee: 0, hours: 2,
		traits: "mfxn", lead: "organiser@tsunagari.example", size: 18, who: homes("15")},
	{kind: tsunagari.CommunityRegionalAlumni, name: "新潟Uターン・地域しごと勉強会",
		purpose: "新潟へのUターン・移住を考える人が、地元の仕事と暮らしを知る",
		about:   "新潟の企業・自治体・先輩Uターン者をゲストに、オンラインで月1回。帰省に合わせた現地の交流会もあります。",
		tags:    []string{"新潟", "Uターン", "移住", "転職"}, styles: "so", pref: "15", online: true, home: "15", fee: 0, hours: 2,
		traits: "pfxn", lead: "organiser@tsunagari.example", size: 12, who: either(homes("15"), lives("15"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "長岡・中越ゆかりの会",
		purpose: "長岡・中越にゆかりのある人が、ふるさとの今とつながる",
		about:   "長岡花火の季節の集まりと、地元の酒蔵・企業を訪ねる会。首都圏在住の中越出身者が中心です。",
		tags:    []string{"新潟", "長岡", "ふるさと"}, styles: "e", pref: "13", online: false, home: "15", fee: 1000, hours: 2,
		traits: "fx", size: 8, who: homes("15")},
	{kind: tsunagari.CommunityRegionalAlumni, name: "ふくしま出身者ネットワーク",
		purpose: "福島県出身者が、首都圏で仕事と地元の未来を語り合う",
		about:   "福島出身の社会人が集まり、地元の事業者とのオンライン交流や、帰省時の見学ツアーをしています。",
		tags:    []string{"福島", "県人会", "地域"}, styles: "oe", pref: "11", online: true, home: "07", fee: 0, hours: 1,
		traits: "fxn", size: 6, who: homes("07")},
	{kind: tsunagari.CommunityRegionalAlumni, name: "みやぎ・東北ゆかりの若手の会",
		purpose: "宮城・東北にゆかりのある若手が、関わり方を選んで地域と関わる",
		about:   "仙台と東京の2拠点で活動。副業で地元企業を手伝うプロジェクトも生まれています。",
		tags:    []string{"宮城", "東北", "副業", "関係人口"}, styles: "op", pref: "04", online: true, home: "04", fee: 0, hours: 2,
		traits: "mfxn", size: 6, who: either(homes("04", "02", "03", "05", "06"), lives("04"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "信州人の会 東京支部",
		purpose: "長野県出身者・信州好きが東京で集まり、ふるさととつながる",
		about:   "年4回の交流会と、そば打ち・登山の部活動。移住相談会にもみんなで参加しています。",
		tags:    []string{"長野", "信州", "県人会", "移住"}, styles: "e", pref: "13", online: false, home: "20", fee: 500, hours: 2,
		traits: "fxn", size: 6, who: either(homes("20"), lives("20"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "石川・能登を応援する若手ネットワーク",
		purpose: "石川・能登にゆかりのある人が、できる形で地域の復興に関わる",
		about:   "現地でのボランティア、オンラインでの事業者支援、物産の購入など、関わり方はそれぞれ。無理なく続けることを大切にしています。",
		tags:    []string{"石川", "能登", "復興", "関係人口"}, styles: "op", pref: "17", online: true, home: "17", fee: 0, hours: 2,
		traits: "mpfxn", size: 6, who: either(homes("17", "16", "18"), lives("17"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "関西で働く九州人の会",
		purpose: "九州出身で関西に住む人が、気軽に集まって近況を話す",
		about:   "大阪・梅田で季節ごとに集まります。福岡・熊本・鹿児島など出身はさまざま。Uターン転職の情報交換も。",
		tags:    []string{"九州", "関西", "県人会", "Uターン"}, styles: "e", pref: "27", online: false, home: "40", fee: 0, hours: 1,
		traits: "fx", size: 5, who: either(homes("40", "41", "42", "43", "44", "45", "46"), lives("40"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "広島ゆかりのキャリア交流会",
		purpose: "広島出身・在住の社会人が、仕事とふるさとの両方を語り合う",
		about:   "広島市内と東京で交互に開催。広島の企業の人事担当者をゲストに招く回もあります。",
		tags:    []string{"広島", "Uターン", "交流会"}, styles: "eo", pref: "34", online: true, home: "34", fee: 0, hours: 1,
		traits: "fxn", size: 5, who: either(homes("34", "33", "35"), lives("34"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "沖縄ゆかりの人のゆんたく会",
		purpose: "沖縄にゆかりのある人が本土でゆんたく（おしゃべり）する",
		about:   "三線と料理を楽しみながら、仕事や暮らしの話をゆっくりと。沖縄へのIターンを考える人も歓迎です。",
		tags:    []string{"沖縄", "県人会", "移住"}, styles: "e", pref: "14", online: false, home: "47", fee: 500, hours: 1,
		traits: "fxn", size: 4, who: either(homes("47", "46"), lives("47"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "北海道出身者・首都圏の会",
		purpose: "北海道出身者が首都圏で集まり、地元とのつながりを保つ",
		about:   "年2回の大交流会と、ジンギスカン部・スキー部。北海道企業の採用説明会も開いています。",
		tags:    []string{"北海道", "県人会"}, styles: "e", pref: "13", online: false, home: "01", fee: 0, hours: 1,
		traits: "fx", size: 6, who: either(homes("01"), lives("01"))},
	{kind: tsunagari.CommunityRegionalAlumni, name: "えひめ・四国ゆかりのオンラインサロン",
		purpose: "愛媛・四国にゆかりのある人が、オンラインで地域の仕事と関わる",
		about:   "地元の事業者の課題をオンラインで一緒に考える会を月1回。現地を訪ねるツアーもあります。",
		tags:    []string{"愛媛", "四国", "関係人口", "副業"}, styles: "op", pref: "", online: true, home: "38", fee: 0, hours: 2,
		traits: "mpfx", size: 4, who: either(homes("38", "36", "37", "39"), lives("38"))},

	// 労働組合
	{kind: tsunagari.CommunityUnion, name: "ひとりでも入れるユニオン・キャリア相談窓口",
		purpose: "職場に労働組合がない人も、ひとりで加入して相談と学びの仲間を得る",
		about:   "個人加盟の労働組合です。労働相談に加えて、キャリアコンサルタントによるキャリア相談、転職・異動の相談、学び直しの講座を組合員向けに用意しています。",
		tags:    []string{"労働組合", "キャリア相談", "労働相談"}, styles: "so", pref: "13", online: true, fee: 1500, hours: 1,
		traits: "mpxn", size: 10, who: either(independent, inds("retail", "services", "logistics"))},
	{kind: tsunagari.CommunityUnion, name: "介護・福祉ではたらく人のユニオン",
		purpose: "介護・福祉の職場の処遇と働き方を、働く人どうしで良くしていく",
		about:   "介護職・看護職・保育士が加入しています。職場の相談、研修、他の事業所で働く仲間との交流会があります。",
		tags:    []string{"労働組合", "介護", "福祉", "処遇改善"}, styles: "eo", pref: "27", online: true, fee: 1000, hours: 1,
		traits: "mpxn", size: 12, who: jobs("care", "medical", "education"), industry: "healthcare_welfare"},
	{kind: tsunagari.CommunityUnion, name: "フリーランス・ユニオン（オンライン）",
		purpose: "フリーランスや業務委託で働く人が、契約と働き方を守り合う",
		about:   "オンラインで加入でき、契約書の相談、支払い遅延の対応、保険の共同加入ができます。海外のオンライン・ユニオンの仕組みを参考にしています。",
		tags:    []string{"フリーランス", "労働組合", "契約", "オンライン"}, styles: "o", pref: "", online: true, fee: 500, hours: 0,
		traits: "fx", size: 12, who: both(independent, jobs("design", "engineering", "creative", "marketing", "consulting", "it"))},
	{kind: tsunagari.CommunityUnion, name: "ものづくり産業労働組合 越境研修部会",
		purpose: "製造業の組合員が、会社を越えた研修でキャリアの選択肢を広げる",
		about:   "加盟組合の組合員向けに、他社との合同研修、キャリア面談、異動・転籍の相談会を開いています。",
		tags:    []string{"労働組合", "製造", "越境学習", "研修"}, styles: "se", pref: "23", online: true, fee: 0, hours: 2,
		traits: "pn", approval: true, size: 10, who: inds("manufacturing")},
	{kind: tsunagari.CommunityUnion, name: "IT・Web業界ではたらく人の組合",
		purpose: "IT・Web業界の働き方を、職種や会社を越えて話し合い、良くしていく",
		about:   "長時間労働、評価、リモートワークなどの相談と、スキルアップの勉強会。エンジニアだけでなくデザイナーや営業も加入しています。",
		tags:    []string{"労働組合", "IT", "Web", "働き方"}, styles: "so", pref: "", online: true, fee: 800, hours: 1,
		traits: "mfxn", size: 10, who: inds("it_telecom")},
	{kind: tsunagari.CommunityUnion, name: "非正規・パートで働く人のネットワーク",
		purpose: "パート・契約社員・派遣で働く人が、情報と仲間を得る",
		about:   "雇い止めや社会保険の相談、正社員登用や資格取得の情報交換。子育て中の人も参加しやすい平日昼の会もあります。",
		tags:    []string{"非正規", "パート", "労働相談", "子育て"}, styles: "eo", pref: "28", online: true, fee: 300, hours: 1,
		traits: "fxn", size: 8, who: either(jobs("retail", "hospitality", "admin"), both(independent, ages("30s", "40s")))},
	{kind: tsunagari.CommunityUnion, name: "公務員のキャリアを語る会（組合青年部）",
		purpose: "若手公務員が、異動や転職を含めたキャリアを気兼ねなく話し合う",
		about:   "自治体の組合青年部が開く、職場の外の対話の場です。他の自治体や民間に移った先輩の話も聞けます。",
		tags:    []string{"公務員", "キャリア", "転職"}, styles: "e", pref: "15", online: true, fee: 0, hours: 1,
		traits: "fxn", size: 4, who: either(jobs("public"), inds("public_sector")), job: "public", industry: "public_sector"},

	// NPO・プロボノ
	{kind: tsunagari.CommunityNPO, name: "プロボノ・ブリッジ（社会人のプロボノチーム）",
		purpose: "仕事の専門性を生かし、週5時間ほどでNPOの課題を解くチームに参加する",
		about:   "コーディネーターが調整し、4〜6人のチームで3〜6か月、NPOのWebサイト、広報、業務改善などに取り組みます。初めてのプロボノでも安心して参加できるよう、オリエンテーションがあります。",
		tags:    []string{"プロボノ", "NPO", "チーム", "社会貢献"}, styles: "p", pref: "13", online: true, fee: 0, hours: 20,
		traits: "mpfn", approval: true, size: 14, who: either(jobs("marketing", "design", "engineering", "it", "consulting", "finance", "hr"), inds("npo"))},
	{kind: tsunagari.CommunityNPO, name: "ママのプロボノ（育休・子育て中の復職準備）",
		purpose: "育休中・子育て中の人が、プロボノで仕事の感覚を取り戻し、復職に備える",
		about:   "子連れOKのオンラインミーティングで、NPOの広報や事務の改善をチームで手伝います。1日2時間から。",
		tags:    []string{"プロボノ", "育休", "復職", "子育て"}, styles: "po", pref: "", online: true, fee: 0, hours: 8,
		traits: "pfxn", size: 8, who: both(independent, ages("20s", "30s", "40s"))},
	{kind: tsunagari.CommunityNPO, name: "フリーランス協会",
		purpose: "フリーランスが、保険・学び・政策提言で互いに支え合う",
		about:   "有料会員には賠償責任保険や福利厚生、無料会員にもeラーニングとメールマガジン。フリーランスの声を国や自治体に届ける提言活動もしています。",
		tags:    []string{"フリーランス", "保険", "eラーニング", "政策提言"}, styles: "so", pref: "", online: true, fee: 1000, hours: 0,
		traits: "fx", size: 16, who: both(independent, jobs("design", "engineering", "creative", "marketing", "consulting"))},
	{kind: tsunagari.CommunityNPO, name: "NPOではたらく・NPOに転職する勉強会",
		purpose: "NPOを職場として考える人が、仕事内容と働き方を知る",
		about:   "NPOの事務局長や職員をゲストに、給与、キャリアパス、求められるスキルを率直に話してもらいます。",
		tags:    []string{"NPO", "転職", "キャリア"}, styles: "s", pref: "26", online: true, fee: 0, hours: 2,
		traits: "fxn", size: 8, who: either(inds("npo"), both(independent, ages("20s", "30s")))},
	{kind: tsunagari.CommunityNPO, name: "企業内ボランティア部ネットワーク",
		purpose: "大企業の社内ボランティアグループが、代表を送り合って学び合う",
		about:   "加盟する各社のボランティア部が、月1回の代表者会議で活動を共有し、合同で地域活動をしています。",
		tags:    []string{"ボランティア", "企業", "地域"}, styles: "ep", pref: "13", online: true, fee: 0, hours: 2,
		traits: "mp", approval: true, size: 8, who: both(either(inds("manufacturing", "finance", "it_telecom")), ages("30s", "40s", "50s"))},
	{kind: tsunagari.CommunityNPO, name: "子ども食堂サポーターズ 北九州",
		purpose: "地域の子ども食堂を、料理・送迎・広報などできることで支える",
		about:   "月2回の子ども食堂の運営を、会社員・主婦・学生のサポーターが交代で手伝っています。1回だけの参加も歓迎。",
		tags:    []string{"子ども食堂", "ボランティア", "地域"}, styles: "e", pref: "40", online: false, fee: 0, hours: 4,
		traits: "mpfxn", size: 6, who: lives("40", "41", "43")},
	{kind: tsunagari.CommunityNPO, name: "防災・減災プロジェクト 静岡",
		purpose: "地域の防災を、専門性を持ち寄るチームで進める",
		about:   "防災マップづくり、避難所運営の訓練、企業のBCP支援。エンジニアや看護師の参加も歓迎しています。",
		tags:    []string{"防災", "地域", "プロボノ"}, styles: "pe", pref: "22", online: true, fee: 0, hours: 4,
		traits: "mpn", size: 6, who: lives("22", "23", "19")},
	{kind: tsunagari.CommunityNPO, name: "地域おこし協力隊OB・OGのつどい",
		purpose: "地域おこし協力隊の経験者が、定住・起業・次の仕事を語り合う",
		about:   "全国の協力隊経験者と現役隊員がオンラインでつながっています。任期後の起業や就職の相談も。",
		tags:    []string{"地域おこし", "移住", "起業"}, styles: "o", pref: "", online: true, fee: 0, hours: 1,
		traits: "fxn", size: 6, who: either(inds("public_sector", "npo"), both(independent, ages("20s", "30s")))},
	{kind: tsunagari.CommunityNPO, name: "シニアの知恵袋・セカンドキャリア研究会",
		purpose: "定年前後の人が、経験を生かした第二のキャリアを一緒に探る",
		about:   "元管理職、技術者、営業が、NPOの顧問、地域の講師、起業などの事例を学び合います。",
		tags:    []string{"セカンドキャリア", "シニア", "学び直し"}, styles: "se", pref: "28", online: true, fee: 500, hours: 2,
		traits: "mfn", size: 8, who: ages("50s", "60s")},
	{kind: tsunagari.CommunityNPO, name: "外国人とともに働く職場づくりの会",
		purpose: "外国人の同僚と働く人・外国人自身が、職場の困りごとを一緒に解く",
		about:   "やさしい日本語の講座、在留資格の基礎知識、職場の事例共有。英語・ベトナム語でも参加できます。",
		tags:    []string{"多文化共生", "外国人", "やさしい日本語"}, styles: "se", pref: "23", online: true, fee: 0, hours: 2,
		traits: "pfn", size: 5, who: either(inds("manufacturing", "healthcare_welfare"), jobs("hr"))},
	{kind: tsunagari.CommunityNPO, name: "熊本・地域医療を支える会",
		purpose: "地域医療の現場を、医療職と地域の人が一緒に支える",
		about:   "看護師、医療事務、介護職、住民が、在宅医療の勉強会と病院ボランティアをしています。",
		tags:    []string{"地域医療", "看護", "ボランティア"}, styles: "se", pref: "43", online: true, fee: 0, hours: 2,
		traits: "mpn", size: 5, who: either(jobs("medical", "care"), lives("43"))},
	{kind: tsunagari.CommunityNPO, name: "副業で月100万円！成功者サロン",
		purpose: "誰でもすぐに稼げる副業の秘訣を、成功者が教えます",
		about:   "入会金と高額な教材の購入が必要です。",
		tags:    []string{"副業"}, styles: "o", pref: "", online: true, fee: 9800, hours: 0,
		traits: "", size: 2, who: anyone, hidden: "入会後に高額な教材を勧められたとの報告が複数あり、利用規約の勧誘禁止に当たるため非公開にしました。"},

	// 協同労働
	{kind: tsunagari.CommunityWorkerCoop, name: "ワーカーズコープ・みどり農園",
		purpose: "みんなで出資し、みんなで経営し、みんなで働く農園をつくる",
		about:   "長野県の中山間地で、野菜づくりと加工品の販売をしています。働く人が出資者であり経営者です。月1回の全体会議で大事なことを話し合って決めます。",
		tags:    []string{"協同労働", "農業", "移住", "長野"}, styles: "pe", pref: "20", online: false, fee: 0, hours: 20,
		traits: "mpfx", approval: true, size: 6, who: either(lives("20"), both(independent, ages("30s", "40s", "50s")))},
	{kind: tsunagari.CommunityWorkerCoop, name: "まちの居場所・協同労働カフェ",
		purpose: "地域の居場所になるカフェを、働く人みんなで経営する",
		about:   "子育て中の人、シニア、障がいのある人が、それぞれのペースで働いています。働き方の相談会を毎月開いています。",
		tags:    []string{"協同労働", "カフェ", "居場所", "地域"}, styles: "pe", pref: "28", online: false, fee: 0, hours: 12,
		traits: "mpfxn", size: 5, who: either(lives("28", "27"), ages("60s"))},
	{kind: tsunagari.CommunityWorkerCoop, name: "介護ワーカーズコープ 千葉",
		purpose: "介護の仕事を、働く人が自分たちで決めて続けられる形にする",
		about:   "訪問介護とデイサービスを協同労働で運営しています。仕事の分け方や給与の決め方も全員で話し合います。",
		tags:    []string{"協同労働", "介護", "訪問介護"}, styles: "p", pref: "12", online: false, fee: 0, hours: 40,
		traits: "mpf", approval: true, size: 5, who: jobs("care", "medical")},
	{kind: tsunagari.CommunityWorkerCoop, name: "協同労働を学ぶ会（労働者協同組合法）",
		purpose: "協同労働という働き方と労働者協同組合法を学び、立ち上げを考える",
		about:   "2020年12月に成立した労働者協同組合法の仕組み、設立の手続き、先行事例をオンラインで学びます。",
		tags:    []string{"協同労働", "労働者協同組合", "起業"}, styles: "s", pref: "", online: true, fee: 0, hours: 2,
		traits: "pfxn", size: 8, who: either(inds("npo"), both(independent, ages("30s", "40s", "50s")))},
	{kind: tsunagari.CommunityWorkerCoop, name: "ITワーカーズコープ・ひだまりラボ",
		purpose: "エンジニアとデザイナーが協同労働で、地域の事業者のIT化を支える",
		about:   "大阪を拠点に、Webサイト制作と業務システムの開発をしています。受ける仕事と報酬の分け方を全員で決めます。",
		tags:    []string{"協同労働", "IT", "Web制作"}, styles: "p", pref: "27", online: true, fee: 0, hours: 30,
		traits: "mpf", approval: true, size: 4, who: jobs("engineering", "it", "design")},
	{kind: tsunagari.CommunityWorkerCoop, name: "子育て支援ワーカーズ 横浜",
		purpose: "子育て中の親どうしが協同労働で、一時保育と子育て相談を営む",
		about:   "保育士や子育て経験者が働き手です。自分の子育てと両立できるよう、シフトはみんなで決めます。",
		tags:    []string{"協同労働", "子育て", "保育"}, styles: "p", pref: "14", online: false, fee: 0, hours: 16,
		traits: "mpfn", size: 4, who: either(jobs("education"), both(independent, ages("30s")))},
	{kind: tsunagari.CommunityWorkerCoop, name: "鹿児島・島の物産協同労働組合",
		purpose: "離島の特産品づくりと販売を、島の働き手が協同で担う",
		about:   "奄美の黒糖や果物の加工と通販。島外からもリモートで販売やデザインを手伝う仲間がいます。",
		tags:    []string{"協同労働", "離島", "特産品", "鹿児島"}, styles: "po", pref: "46", online: true, fee: 0, hours: 8,
		traits: "mpfx", size: 4, who: either(homes("46", "47"), lives("46"))},
}

// memberPersonas are the member accounts that the communities step
// leaves alone.
var memberPersonas = map[string]bool{"member@tsunagari.example": true, "member2@tsunagari.example": true}

func createCommunities(ctx context.Context, p *Population) error {
	if p.Stores.Communities == nil {
		return fmt.Errorf("missing community store")
	}
	var people []*tsunagari.Account
	for a := range p.Accounts() {
		if !memberPersonas[a.Email] && a.Email != "operator@tsunagari.example" {
			people = append(people, a)
		}
	}
	operator := p.Personas["operator@tsunagari.example"]
	for _, pl := range communityPlans {
		if err := p.community(ctx, pl, people, operator); err != nil {
			return fmt.Errorf("%s: %w", pl.name, err)
		}
	}
	return nil
}

// community creates one community with its members, their ratings and
// any waiting requests.
func (p *Population) community(ctx context.Context, pl communityPlan, people []*tsunagari.Account, operator *tsunagari.Account) error {
	r := p.Rand
	created := p.Between(p.Opened().Add(7*day), p.Now.Add(-60*day))
	c := &tsunagari.Community{
		ID: p.NewID(), Kind: pl.kind, Name: pl.name, Purpose: pl.purpose, Description: pl.about, Tags: pl.tags,
		Prefecture: pl.pref, Online: pl.online || pl.pref == "", HomePrefecture: pl.home, JobFamily: pl.job,
		Industry: pl.industry, MonthlyFee: pl.fee, HoursPerMonth: pl.hours, Languages: []string{"ja"},
		JoinPolicy: tsunagari.JoinOpen, CreatedAt: created, UpdatedAt: created,
	}
	if pl.approval {
		c.JoinPolicy = tsunagari.JoinApproval
	}
	if strings.Contains(pl.about, "英語") {
		c.Languages = append(c.Languages, "en", "vi")
	}
	for _, st := range pl.styles {
		c.Styles = append(c.Styles, map[rune]tsunagari.ActivityStyle{'s': tsunagari.StyleStudySessions,
			'o': tsunagari.StyleOnlineGroup, 'e': tsunagari.StyleEvents, 'p': tsunagari.StyleProjects}[st])
	}
	for _, t := range pl.traits {
		c.Traits = append(c.Traits, map[rune]tsunagari.Trait{'m': tsunagari.TraitMemberRun, 'p': tsunagari.TraitPurposeFit,
			'f': tsunagari.TraitFlexibleIntensity, 'x': tsunagari.TraitFreeExit, 'n': tsunagari.TraitNewcomerSupport}[t])
	}
	if pl.alumniOf > 0 {
		c.OrgID = p.Employers[pl.alumniOf-1].Org.ID
	}

	// Who would join, in a random order drawn from the step's stream.
	var candidates []*tsunagari.Account
	for _, a := range people {
		if pl.who(a) {
			candidates = append(candidates, a)
		}
	}
	p.Rand.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	if len(candidates) < 3 {
		// A small demo may have too few people who fit: anyone else may
		// have found the community too.
		others := slices.DeleteFunc(slices.Clone(people), func(a *tsunagari.Account) bool { return pl.who(a) })
		p.Rand.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		candidates = append(candidates, others[:min(3, len(others))]...)
	}
	lead := p.Personas[pl.lead]
	if lead == nil {
		if len(candidates) == 0 {
			return fmt.Errorf("nobody to organise it")
		}
		lead, candidates = candidates[0], candidates[1:]
	} else {
		candidates = slices.DeleteFunc(candidates, func(a *tsunagari.Account) bool { return a.ID == lead.ID })
	}
	c.Organisers = []tsunagari.Organiser{{AccountID: lead.ID, Role: tsunagari.CommunityOrganiser}}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := p.Stores.Communities.CreateCommunity(ctx, c); err != nil {
		return err
	}

	n := min(pl.size, len(candidates))
	for i, a := range candidates[:n] {
		m := &tsunagari.Membership{CommunityID: c.ID, AccountID: a.ID, Role: tsunagari.CommunityMember,
			Status: tsunagari.MembershipActive, RequestedAt: p.Between(created.Add(day), p.Now.Add(-2*time.Hour))}
		m.RequestedAt = maxTime(m.RequestedAt, a.CreatedAt.Add(time.Hour))
		switch x := r.IntN(100); {
		case x < 35:
			m.Involvement = tsunagari.InvolvementObserver
		case x < 85:
			m.Involvement = tsunagari.InvolvementRegular
		default:
			m.Involvement = tsunagari.InvolvementCore
		}
		if pl.approval && (i == n-1 && n > 1 || i == n-2 && n > 5) {
			// The latest requests still wait for the organiser.
			m.Status = tsunagari.MembershipPending
		} else {
			m.JoinedAt = m.RequestedAt.Add(time.Duration(r.IntN(48)) * time.Hour)
			if pl.approval {
				m.JoinedAt = m.JoinedAt.Add(day)
			}
			m.JoinedAt = maxTime(minTime(m.JoinedAt, p.Now.Add(-time.Hour)), m.RequestedAt)
		}
		if i == 0 && n > 3 && pl.lead == "" {
			m.Role, m.Involvement = tsunagari.CommunityCoOrganiser, tsunagari.InvolvementCore
		}
		if err := p.Stores.Communities.CreateMembership(ctx, m); err != nil {
			return err
		}
		if m.MayRate(p.Now) && r.IntN(100) < 70 {
			if err := p.rate(ctx, c, m); err != nil {
				return err
			}
		}
	}
	if pl.hidden != "" && operator != nil {
		at := p.Between(p.Now.Add(-20*day), p.Now.Add(-day))
		if err := p.Stores.Communities.SetCommunityHidden(ctx, c.ID, &at, pl.hidden); err != nil {
			return err
		}
	}
	return nil
}

// rate gives the member's rating: most traits, higher where the
// organisers declare a trait, with some people harsher than others.
func (p *Population) rate(ctx context.Context, c *tsunagari.Community, m *tsunagari.Membership) error {
	r := p.Rand
	mood := r.IntN(3) - 1 // -1, 0, +1
	scores := map[tsunagari.Trait]int{}
	for _, t := range tsunagari.Traits {
		if r.IntN(100) >= 85 {
			continue
		}
		v := 3 + mood + r.IntN(3) - 1
		if c.Has(t) {
			v++
		}
		scores[t] = max(1, min(5, v))
	}
	if len(scores) == 0 {
		return nil
	}
	at := p.Between(m.JoinedAt.AddDate(0, 0, tsunagari.MinMembershipDaysToRate), p.Now)
	return p.Stores.Communities.RateTraits(ctx, &tsunagari.TraitRating{CommunityID: c.ID, AccountID: m.AccountID,
		Scores: scores, RatedAt: at})
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
