package demo

import (
	"math/rand/v2"

	"tsunagari"
)

// surname is a family name with the romaji used in email addresses.
type surname struct{ ja, ro string }

// surnames are about a hundred of the most common Japanese family names,
// most common first; pickSurname draws the first ones more often.
var surnames = []surname{
	{"佐藤", "sato"}, {"鈴木", "suzuki"}, {"高橋", "takahashi"}, {"田中", "tanaka"},
	{"伊藤", "ito"}, {"渡辺", "watanabe"}, {"山本", "yamamoto"}, {"中村", "nakamura"},
	{"小林", "kobayashi"}, {"加藤", "kato"}, {"吉田", "yoshida"}, {"山田", "yamada"},
	{"佐々木", "sasaki"}, {"山口", "yamaguchi"}, {"松本", "matsumoto"}, {"井上", "inoue"},
	{"木村", "kimura"}, {"林", "hayashi"}, {"斎藤", "saito"}, {"清水", "shimizu"},
	{"山崎", "yamazaki"}, {"森", "mori"}, {"池田", "ikeda"}, {"橋本", "hashimoto"},
	{"阿部", "abe"}, {"石川", "ishikawa"}, {"山下", "yamashita"}, {"中島", "nakajima"},
	{"石井", "ishii"}, {"小川", "ogawa"}, {"前田", "maeda"}, {"岡田", "okada"},
	{"長谷川", "hasegawa"}, {"藤田", "fujita"}, {"後藤", "goto"}, {"近藤", "kondo"},
	{"村上", "murakami"}, {"遠藤", "endo"}, {"青木", "aoki"}, {"坂本", "sakamoto"},
	{"斉藤", "saito"}, {"福田", "fukuda"}, {"太田", "ota"}, {"西村", "nishimura"},
	{"藤井", "fujii"}, {"金子", "kaneko"}, {"岡本", "okamoto"}, {"藤原", "fujiwara"},
	{"中野", "nakano"}, {"三浦", "miura"}, {"原田", "harada"}, {"中川", "nakagawa"},
	{"松田", "matsuda"}, {"竹内", "takeuchi"}, {"小野", "ono"}, {"田村", "tamura"},
	{"中山", "nakayama"}, {"和田", "wada"}, {"石田", "ishida"}, {"森田", "morita"},
	{"上田", "ueda"}, {"原", "hara"}, {"内田", "uchida"}, {"柴田", "shibata"},
	{"酒井", "sakai"}, {"宮崎", "miyazaki"}, {"横山", "yokoyama"}, {"高木", "takagi"},
	{"安藤", "ando"}, {"宮本", "miyamoto"}, {"大野", "ono"}, {"小島", "kojima"},
	{"谷口", "taniguchi"}, {"今井", "imai"}, {"工藤", "kudo"}, {"高田", "takada"},
	{"増田", "masuda"}, {"丸山", "maruyama"}, {"杉山", "sugiyama"}, {"村田", "murata"},
	{"大塚", "otsuka"}, {"新井", "arai"}, {"小山", "koyama"}, {"平野", "hirano"},
	{"藤本", "fujimoto"}, {"河野", "kono"}, {"上野", "ueno"}, {"野口", "noguchi"},
	{"武田", "takeda"}, {"松井", "matsui"}, {"千葉", "chiba"}, {"岩崎", "iwasaki"},
	{"菅原", "sugawara"}, {"木下", "kinoshita"}, {"久保", "kubo"}, {"佐野", "sano"},
	{"野村", "nomura"}, {"松尾", "matsuo"}, {"市川", "ichikawa"}, {"菊地", "kikuchi"},
	{"杉本", "sugimoto"}, {"古川", "furukawa"}, {"大西", "onishi"}, {"島田", "shimada"},
	{"水野", "mizuno"}, {"桜井", "sakurai"}, {"高野", "takano"},
}

// givenName is a first name with its romaji and the age bands (indexes
// into tsunagari.AgeBands, inclusive) of people who commonly bear it:
// names follow the fashion of the year a person was born.
type givenName struct {
	ja, ro   string
	female   bool
	from, to int
}

// givenNames are fifty women's and fifty men's names across the
// generations of today's workforce.
var givenNames = []givenName{
	// Women.
	{"陽菜", "hina", true, 0, 0}, {"結衣", "yui", true, 0, 1}, {"美咲", "misaki", true, 0, 1},
	{"葵", "aoi", true, 0, 0}, {"さくら", "sakura", true, 0, 1}, {"七海", "nanami", true, 0, 1},
	{"莉子", "riko", true, 0, 0}, {"彩花", "ayaka", true, 0, 1}, {"真央", "mao", true, 0, 1},
	{"優花", "yuka", true, 0, 1}, {"美月", "mizuki", true, 0, 1}, {"千尋", "chihiro", true, 0, 2},
	{"遥", "haruka", true, 0, 2}, {"菜摘", "natsumi", true, 0, 1}, {"奈緒", "nao", true, 0, 1},
	{"綾乃", "ayano", true, 0, 1}, {"詩織", "shiori", true, 0, 2}, {"紗希", "saki", true, 0, 1},
	{"茜", "akane", true, 0, 1}, {"萌", "moe", true, 0, 1}, {"愛", "ai", true, 1, 2},
	{"麻衣", "mai", true, 1, 2}, {"彩", "aya", true, 1, 2}, {"沙織", "saori", true, 1, 2},
	{"恵", "megumi", true, 1, 3}, {"明日香", "asuka", true, 1, 2}, {"瞳", "hitomi", true, 1, 2},
	{"香織", "kaori", true, 1, 3}, {"由佳", "yuka", true, 1, 2}, {"美穂", "miho", true, 1, 2},
	{"美紀", "miki", true, 1, 3}, {"友美", "tomomi", true, 2, 3}, {"智子", "tomoko", true, 2, 4},
	{"裕子", "yuko", true, 2, 4}, {"直美", "naomi", true, 2, 3}, {"真由美", "mayumi", true, 2, 3},
	{"久美子", "kumiko", true, 3, 4}, {"陽子", "yoko", true, 3, 4}, {"恵子", "keiko", true, 3, 4},
	{"由美子", "yumiko", true, 3, 4}, {"京子", "kyoko", true, 3, 4}, {"典子", "noriko", true, 3, 4},
	{"純子", "junko", true, 3, 4}, {"幸子", "sachiko", true, 4, 4}, {"和子", "kazuko", true, 4, 4},
	{"洋子", "yoko", true, 4, 4}, {"美香", "mika", true, 2, 3}, {"千夏", "chinatsu", true, 0, 2},
	{"理恵", "rie", true, 1, 3}, {"亜希子", "akiko", true, 2, 3},
	// Men.
	{"蓮", "ren", false, 0, 0}, {"陽翔", "haruto", false, 0, 0}, {"湊", "minato", false, 0, 0},
	{"颯太", "sota", false, 0, 0}, {"悠斗", "yuto", false, 0, 1}, {"大翔", "hiroto", false, 0, 0},
	{"陸", "riku", false, 0, 0}, {"海斗", "kaito", false, 0, 1}, {"翔太", "shota", false, 0, 1},
	{"拓海", "takumi", false, 0, 1}, {"大輝", "daiki", false, 0, 1}, {"翔", "sho", false, 0, 1},
	{"駿", "shun", false, 0, 1}, {"涼介", "ryosuke", false, 0, 1}, {"航", "wataru", false, 0, 1},
	{"翼", "tsubasa", false, 0, 1}, {"健太", "kenta", false, 0, 1}, {"大輔", "daisuke", false, 1, 2},
	{"拓也", "takuya", false, 1, 2}, {"達也", "tatsuya", false, 1, 2}, {"和也", "kazuya", false, 1, 2},
	{"直樹", "naoki", false, 1, 2}, {"裕太", "yuta", false, 0, 1}, {"亮", "ryo", false, 1, 2},
	{"俊介", "shunsuke", false, 1, 2}, {"智也", "tomoya", false, 1, 2}, {"洋平", "yohei", false, 1, 2},
	{"健太郎", "kentaro", false, 1, 3}, {"誠", "makoto", false, 2, 4}, {"剛", "tsuyoshi", false, 2, 3},
	{"哲也", "tetsuya", false, 2, 3}, {"雄一", "yuichi", false, 2, 3}, {"浩二", "koji", false, 2, 4},
	{"正樹", "masaki", false, 2, 3}, {"慎也", "shinya", false, 1, 2}, {"聡", "satoshi", false, 2, 3},
	{"健一", "kenichi", false, 2, 4}, {"修", "osamu", false, 3, 4}, {"隆", "takashi", false, 3, 4},
	{"浩", "hiroshi", false, 3, 4}, {"博之", "hiroyuki", false, 3, 3}, {"秀樹", "hideki", false, 3, 4},
	{"学", "manabu", false, 3, 3}, {"武", "takeshi", false, 3, 4}, {"康弘", "yasuhiro", false, 3, 3},
	{"英明", "hideaki", false, 3, 3}, {"茂", "shigeru", false, 4, 4}, {"清", "kiyoshi", false, 4, 4},
	{"勝", "masaru", false, 4, 4}, {"一郎", "ichiro", false, 3, 4},
}

// nameBook draws names: family names weighted by how common they are,
// given names by sex and generation.
type nameBook struct {
	surnames *chooser[surname]
	given    [2][][]givenName // [female][age band]
}

func newNameBook() *nameBook {
	ws := make([]int, len(surnames))
	for i := range surnames {
		ws[i] = 2000 / (i + 10) // the first name about ten times the last
	}
	b := &nameBook{surnames: newChooser(surnames, ws)}
	for sex := range 2 {
		b.given[sex] = make([][]givenName, len(tsunagari.AgeBands))
		for band := range tsunagari.AgeBands {
			var list []givenName
			for _, g := range givenNames {
				if g.female == (sex == 1) && g.from <= band && band <= g.to {
					list = append(list, g)
				}
			}
			b.given[sex][band] = list
		}
	}
	return b
}

// name returns a family and a given name for a person of the given sex
// and age band.
func (b *nameBook) name(r *rand.Rand, female bool, ageBand string) (surname, givenName) {
	sex := 0
	if female {
		sex = 1
	}
	list := b.given[sex][ageIndex(ageBand)]
	return b.surnames.pick(r), list[r.IntN(len(list))]
}

// ageIndex returns the index of band in tsunagari.AgeBands, or that of
// the 30s for an unknown band.
func ageIndex(band string) int {
	for i, b := range tsunagari.AgeBands {
		if b == band {
			return i
		}
	}
	return 1
}
