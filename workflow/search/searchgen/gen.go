// Package searchgen makes synthetic but realistic contracts for the search
// benchmarks: Chinese titles from a platform's template mix, people's
// names drawn by surname frequency, company names, template fields
// (addresses, amounts, ID-like numbers), statuses and creation dates over
// three years. The same seed gives the same contracts; Version changes
// whenever the output does (benchmarks key their cached index by it).
package searchgen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Version of the generator's output.
const Version = 1

// Party of a generated contract.
type Party struct {
	IdentityID, Name, Role string
}

// Contract is one generated contract.
type Contract struct {
	ID       string
	Created  time.Time
	Title    string
	Status   string
	Template string
	Parties  []Party
	Fields   map[string]string
}

// Start is the first creation time; contracts spread over three years.
var Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Span is the time the contracts' creation dates cover.
const Span = 3 * 365 * 24 * time.Hour

var (
	// Common surnames first: draws are skewed towards them, as in life.
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红文辉海波鹏宇浩然晨阳欣怡梓涵子轩俊杰佳琪思雨雪梅志国庆春秋冬光荣家豪雅婷晓东立新永福")
	cities   = []string{"北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "天津", "苏州", "长沙", "郑州", "青岛", "厦门", "合肥", "济南", "宁波", "昆明"}
	brands   = []string{"华信", "恒通", "瑞丰", "金诚", "远航", "中联", "国泰", "明德", "鼎盛", "宏达", "天成", "安泰", "新源", "博远", "长青", "锦程", "汇智", "正和", "永盛", "嘉禾", "海纳", "云帆", "启明", "弘毅"}
	trades   = []string{"科技", "贸易", "物流", "建设", "房地产", "餐饮管理", "信息技术", "文化传媒", "医疗器械", "教育咨询", "供应链", "新能源", "电子商务", "物业服务"}
	forms    = []string{"有限公司", "股份有限公司", "有限责任公司"}
	roads    = []string{"人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "黄河路", "南京路", "延安路", "新华路", "科技园路", "滨江大道"}
	things   = []string{"办公设备", "服务器", "原材料", "钢材", "食品", "医疗耗材", "软件许可", "建筑材料", "电子元件", "办公家具"}
)

type template struct {
	id, title string
	roles     [2]string
	weight    int
	company   [2]bool // whether each role is a company
}

var templates = []template{
	{"house_lease", "房屋租赁合同", [2]string{"出租方", "承租方"}, 25, [2]bool{false, false}},
	{"labor", "劳动合同", [2]string{"用人单位", "劳动者"}, 25, [2]bool{true, false}},
	{"purchase", "采购合同", [2]string{"采购方", "供货方"}, 15, [2]bool{true, true}},
	{"service_agreement", "技术服务协议", [2]string{"委托方", "服务方"}, 10, [2]bool{true, true}},
	{"loan", "借款合同", [2]string{"出借人", "借款人"}, 10, [2]bool{false, false}},
	{"nda", "保密协议", [2]string{"甲方", "乙方"}, 8, [2]bool{true, false}},
	{"car_sale", "二手车买卖合同", [2]string{"卖方", "买方"}, 7, [2]bool{false, false}},
}

var statuses = []struct {
	s string
	w int
}{{"completed", 55}, {"signing", 15}, {"draft", 8}, {"voided", 8}, {"expired", 9}, {"declined", 5}}

// Gen draws contracts.
type Gen struct {
	r      *rand.Rand
	people []Party
	orgs   []Party
	i      int
}

// New returns a generator; population sizes grow with n as a platform's
// do (one person in about 3 contracts is new).
func New(seed uint64, n int) *Gen {
	g := &Gen{r: rand.New(rand.NewPCG(seed, seed^0x5ea1c4a1))}
	np, no := max(n/3, 100), max(n/20, 50)
	for i := range np {
		g.people = append(g.people, Party{IdentityID: fmt.Sprintf("idn-p%07d", i), Name: g.personName()})
	}
	for i := range no {
		g.orgs = append(g.orgs, Party{IdentityID: fmt.Sprintf("idn-o%07d", i), Name: g.orgName()})
	}
	return g
}

// zipf-like pick: index skewed to the front.
func (g *Gen) skew(n int) int {
	f := g.r.Float64()
	return int(f * f * float64(n))
}

func (g *Gen) personName() string {
	s := string(surnames[g.skew(len(surnames))])
	n := 1 + g.r.IntN(2)
	for range n {
		s += string(given[g.r.IntN(len(given))])
	}
	return s
}

func (g *Gen) orgName() string {
	return cities[g.r.IntN(len(cities))] + brands[g.r.IntN(len(brands))] + trades[g.r.IntN(len(trades))] + forms[g.r.IntN(len(forms))]
}

// Person returns the i-th person (queries pick names that exist).
func (g *Gen) Person(i int) Party { return g.people[i%len(g.people)] }

// Org returns the i-th company.
func (g *Gen) Org(i int) Party { return g.orgs[i%len(g.orgs)] }

// People and Orgs are the population sizes.
func (g *Gen) People() int { return len(g.people) }
func (g *Gen) Orgs() int   { return len(g.orgs) }

// Cities are the city names titles and addresses use.
func Cities() []string { return cities }

func (g *Gen) party(company bool) Party {
	if company {
		return g.orgs[g.skew(len(g.orgs))]
	}
	return g.people[g.r.IntN(len(g.people))]
}

// Next draws the next contract. Creation times grow with the index i
// (with jitter), as a platform's do.
func (g *Gen) Next(n int) Contract {
	i := g.i
	g.i++
	w := g.r.IntN(100)
	var t template
	for _, t = range templates {
		if w < t.weight {
			break
		}
		w -= t.weight
	}
	a, b := g.party(t.company[0]), g.party(t.company[1])
	a.Role, b.Role = t.roles[0], t.roles[1]
	city := cities[g.r.IntN(len(cities))]
	addr := fmt.Sprintf("%s市%s%d号%d室", city, roads[g.r.IntN(len(roads))], 1+g.r.IntN(999), 101+g.r.IntN(2000))
	fields := map[string]string{"party_a": a.Name, "party_b": b.Name, "sign_city": city}
	var title string
	switch t.id {
	case "house_lease":
		title = fmt.Sprintf("%s%s租赁合同（%d年）", city, roads[g.r.IntN(len(roads))], 2024+g.r.IntN(3))
		fields["address"] = addr
		fields["rent"] = fmt.Sprintf("%d元/月", 1500+g.r.IntN(200)*50)
	case "labor":
		title = fmt.Sprintf("%s劳动合同（%s）", a.Name, b.Name)
		fields["position"] = []string{"软件工程师", "销售经理", "会计", "行政专员", "仓库管理员", "客服专员"}[g.r.IntN(6)]
		fields["salary"] = fmt.Sprintf("%d元", 5000+g.r.IntN(50)*500)
	case "purchase":
		thing := things[g.r.IntN(len(things))]
		title = fmt.Sprintf("%s采购合同 %s-%06d", thing, city, g.r.IntN(1000000))
		fields["goods"] = thing
		fields["amount"] = fmt.Sprintf("人民币%d元", 10000+g.r.IntN(100000)*10)
	case "service_agreement":
		title = fmt.Sprintf("%s技术服务协议", b.Name)
		fields["scope"] = []string{"系统集成", "软件开发", "运维服务", "数据分析", "网络安全"}[g.r.IntN(5)]
	case "loan":
		title = fmt.Sprintf("个人借款合同（%s）", a.Name)
		fields["amount"] = fmt.Sprintf("人民币%d元", 1000*(1+g.r.IntN(500)))
		fields["id_number"] = fmt.Sprintf("%06d%08d%04d", 110000+g.r.IntN(500000), 19600101+g.r.IntN(400000), g.r.IntN(10000))
	case "nda":
		title = fmt.Sprintf("%s保密协议", a.Name)
	case "car_sale":
		title = fmt.Sprintf("二手车买卖合同 %s牌照", city)
		fields["plate"] = fmt.Sprintf("京A%05d", g.r.IntN(100000))
		fields["price"] = fmt.Sprintf("%d元", 20000+g.r.IntN(300)*1000)
	}
	w = g.r.IntN(100)
	status := ""
	for _, s := range statuses {
		if w < s.w {
			status = s.s
			break
		}
		w -= s.w
	}
	at := Start.Add(time.Duration(float64(Span) * (float64(i) + g.r.Float64()) / float64(max(n, 1))))
	return Contract{
		ID: fmt.Sprintf("wf-%024x", g.r.Uint64()<<32|uint64(i)), Created: at.Truncate(time.Millisecond),
		Title: title, Status: status, Template: t.id, Parties: []Party{a, b}, Fields: fields,
	}
}
