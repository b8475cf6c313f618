"""Traditional → simplified Chinese characters, one character at a time, for matching only.

Agents on a traditional-character input method (or customers pasting from Hong Kong and Taiwan
sites) write 愛買不買 and 不關我事; the word lists are simplified. Folding both sides through this
table lets one list match both scripts. It is deliberately a character table (not OpenCC's phrase
conversion): we never show the converted text, we only compare it, so the rare one-to-many
characters (著/着, 乾/干) fold to one form on both sides and still compare equal.

The table covers the ~900 most common characters whose traditional form differs; a character
it does not know is compared as written, which only costs a match if a workspace writes its
word list in one script and its agents in the other with a rare character.
"""

# Pairs written as "traditional simplified" blocks so a reviewer can read them.
_PAIRS = """
愛爱 買买 賣卖 說说 説说 關关 隨随 聽听 嗎吗 沒没 辦办 書书 們们 這这 個个 箇个 來来 對对 給给 讓让
還还 會会 麼么 麽么 錢钱 貨货 運运 費费 換换 選选 擇择 號号 碼码 問问 題题 應应 該该 實实 際际 與与
為为 爲为 無无 從从 處处 點点 發发 髮发 現现 時时 間间 當当 噹当 樣样 過过 進进 遠远 邊边 東东 車车
門门 開开 長长 見见 覺觉 學学 寫写 讀读 話话 語语 請请 謝谢 認认 識识 證证 議议 論论 護护 設设 計计
記记 訂订 詢询 誤误 調调 談谈 誰谁 諒谅 謊谎 負负 責责 貴贵 賠赔 償偿 質质 購购 貼贴 賬账 資资 財财
敗败 販贩 員员 單单 嚴严 聲声 務务 動动 勞劳 勵励 勢势 區区 醫医 華华 協协 參参 雙双 變变 叢丛 吳吴
啟启 喪丧 嘆叹 歎叹 團团 園园 圖图 國国 圍围 場场 塊块 壞坏 壓压 壯壮 夠够 夢梦 奪夺 奮奋 婦妇 媽妈
孫孙 寧宁 寶宝 審审 寬宽 專专 將将 導导 屆届 層层 島岛 幣币 帶带 幫帮 廣广 廠厂 張张 彈弹 後后 徑径
復复 複复 徵征 懷怀 態态 慣惯 慮虑 憂忧 戰战 戲戏 擁拥 據据 擔担 擊击 擾扰 擺摆 攝摄 敵敌 數数 斷断
於于 晝昼 暫暂 曆历 歷历 條条 極极 構构 標标 樂乐 樓楼 機机 檢检 權权 歡欢 歲岁 歸归 氣气 滿满 漢汉
潔洁 澤泽 濟济 灣湾 災灾 燈灯 爐炉 爭争 爺爷 牆墙 獎奖 奬奖 獨独 獲获 環环 產产 畫画 異异 療疗 盡尽
監监 盤盘 眾众 衆众 確确 禮礼 禍祸 稅税 穩稳 窮穷 競竞 筆笔 節节 範范 築筑 簡简 簽签 類类 紅红 約约
級级 紀纪 純纯 紙纸 細细 組组 結结 統统 絕绝 經经 綠绿 維维 網网 緊紧 線线 綫线 練练 總总 績绩 繼继
續续 縣县 罰罚 罷罢 義义 習习 聯联 職职 肅肃 脫脱 腦脑 臉脸 興兴 舉举 艱艰 藝艺 莊庄 萬万 葉叶 著着
蘭兰 蟲虫 術术 衛卫 衝冲 補补 裝装 製制 規规 視视 親亲 覽览 觀观 訊讯 託托 訪访 許许 訴诉 診诊 評评
試试 詩诗 詳详 誠诚 課课 諾诺 謂谓 講讲 譯译 讚赞 贊赞 貝贝 貧贫 貸贷 貿贸 賀贺 賓宾 賞赏 賤贱 賴赖
賽赛 贈赠 趕赶 趙赵 跡迹 踐践 軍军 軟软 較较 輕轻 輛辆 輸输 轉转 農农 迴回 囘回 週周 遊游 達达 違违
遙遥 適适 遲迟 遷迁 遺遗 郵邮 鄉乡 醜丑 釋释 針针 鈔钞 銀银 銷销 鋪铺 錄录 錯错 鍵键 鐘钟 鐵铁 閉闭
閒闲 閑闲 閱阅 闆板 隊队 陽阳 陰阴 陳陈 陸陆 險险 隱隐 雖虽 雜杂 雞鸡 離离 難难 電电 靈灵 靜静 響响
頁页 頂顶 項项 順顺 須须 預预 頓顿 領领 頭头 頻频 額额 顏颜 願愿 顧顾 顯显 風风 飛飞 飯饭 飲饮 飽饱
養养 餘余 館馆 馬马 駕驾 驗验 驚惊 體体 鬥斗 鬧闹 魚鱼 鳥鸟 麗丽 麥麦 黃黄 黨党 齊齐 齒齿 龍龙 龜龟
罵骂 討讨 厭厌 煩烦 騙骗 噁恶 惡恶 聾聋 懶懒 醬酱 喫吃 傳传 傷伤 價价 偽伪 倉仓 側侧 備备 僅仅 優优
儲储 兒儿 內内 兩两 冊册 劃划 則则 剛刚 剝剥 劑剂 劍剑 勁劲 勝胜 卻却 厲厉 嚇吓 囉啰 圓圆 塵尘 墊垫
壇坛 壽寿 奧奥 妳你 孃娘 宮宫 寢寝 尋寻 屬属 峽峡 巖岩 幹干 乾干 幾几 庫库 廢废 廳厅 彎弯 彙汇 徹彻
恆恒 恥耻 悅悦 悶闷 惱恼 慘惨 慶庆 憑凭 憤愤 懇恳 懲惩 戶户 拋抛 捨舍 掃扫 掛挂 採采 揀拣 揚扬 損损
搖摇 搶抢 撥拨 撫抚 擬拟 擠挤 攔拦 敘叙 暈晕 曉晓 棄弃 業业 榮荣 槍枪 橋桥 歐欧 殘残 殺杀 毀毁 決决
況况 沖冲 淚泪 淨净 測测 湧涌 溝沟 滅灭 滯滞 漲涨 潛潜 濕湿 濾滤 瀏浏 灑洒 烏乌 熱热 燒烧 營营 爛烂
犧牺 狀状 猶犹 獵猎 瑣琐 癢痒 皺皱 盜盗 睜睁 礙碍 祕秘 禦御 稱称 穀谷 窩窝 竊窃 糧粮 糾纠 紋纹 納纳
紐纽 終终 絡络 絲丝 綁绑 緒绪 緣缘 編编 緩缓 縮缩 繩绳 繳缴 纏缠 羅罗 翹翘 聖圣 聰聪 膚肤 膠胶 臥卧
臨临 舊旧 艙舱 蒼苍 蓋盖 蔔卜 薦荐 藥药 蘋苹 虛虚 蝦虾 螞蚂 蠟蜡 裡里 裏里 褲裤 襪袜 訓训 訣诀 詐诈
詞词 誇夸 誘诱 誌志 誼谊 諮咨 謹谨 譏讥 譴谴 豈岂 豐丰 貓猫 賺赚 趨趋 躍跃 軌轨 輔辅 輯辑 轟轰 辭辞
遞递 遜逊 鄰邻 釀酿 鉛铅 銳锐 鋼钢 錶表 鍋锅 鎖锁 鏈链 鏡镜 閃闪 閣阁 闊阔 陣阵 隻只 祇只 衹只 雲云
霧雾 韓韩 頸颈 頒颁 顆颗 颱台 臺台 檯台 餅饼 餓饿 騷骚 驅驱 髒脏 鬆松 鬱郁 鹹咸 麵面 黴霉 齡龄 別别
滾滚 豬猪 諷讽 嗆呛 譜谱 吶呐 瘋疯 癡痴 喚唤 嘗尝 囑嘱 夥伙 嬰婴 寵宠 尷尴 廁厕 彌弥 懸悬 掙挣 擴扩
擋挡 攜携 晉晋 樸朴 檔档 殼壳 濃浓 盞盏 碩硕 籃篮 繫系 係系 聞闻 脅胁 腳脚 蘇苏 襯衬 訝讶 誕诞 謠谣
貞贞 賦赋 軸轴 輪轮 鈴铃 錦锦 鍛锻 闖闯 隸隶 韻韵 頌颂 顛颠 餵喂 驕骄 鬍胡 鮮鲜 鴨鸭 鹽盐 龐庞 憶忆
戀恋 攤摊 兌兑 併并 並并 傢家 僱雇 佔占 鐺铛 冪幂 凱凯 剷铲 勸劝 匯汇 啞哑 喬乔 嘩哗 噸吨 嚨咙 嚴严
壺壶 奐奂 妝妆 姍姗 婁娄 嬸婶 實实 寫写 屜屉 崗岗 嶺岭 幟帜 庄庄 廂厢 廬庐 弔吊 彆别 徠徕 憐怜 懶懒
懼惧 扠叉 搗捣 摑掴 撈捞 撐撑 擷撷 攢攒 攪搅 斃毙 暢畅 曬晒 棧栈 楊杨 槓杠 樁桩 欄栏 殲歼 氈毡 洶汹
涼凉 淺浅 渦涡 溫温 滷卤 漁渔 漿浆 澀涩 瀉泻 灘滩 煉炼 燙烫 燦灿 爍烁 牽牵 犢犊 猻狲 獄狱 璽玺 瓏珑
畢毕 疊叠 痠酸 瘡疮 癮瘾 皚皑 盧卢 眥眦 睏困 矚瞩 砲炮 碩硕 磚砖 祿禄 禪禅 稈秆 穌稣 窯窑 竄窜 箋笺
篩筛 簫箫 糰团 紮扎 紳绅 絨绒 綜综 綢绸 緞缎 縫缝 繡绣 罈坛 翺翱 聳耸 肅肃 脈脉 膩腻 膽胆 艷艳 蕭萧
薑姜 藍蓝 蘆芦 蟬蝉 衊蔑 裊袅 褻亵 覓觅 訖讫 訟讼 詛诅 詭诡 誣诬 諂谄 謗谤 譁哗 讒谗 貪贪 賄贿 賒赊
贓赃 贖赎 趲趱 蹤踪 躊踌 軀躯 轎轿 辮辫 郟郏 醞酝 鈍钝 鈕钮 鉤钩 銅铜 鋒锋 錐锥 鎮镇 鏟铲 鑰钥 閘闸
闡阐 阪阪 陝陕 隴陇 靦腼 鞏巩 韁缰 頑顽 頹颓 顫颤 颳刮 飄飘 餃饺 饋馈 饞馋 駁驳 駐驻 騎骑 驢驴 骯肮
鬚须 鯉鲤 鴉鸦 鵝鹅 鶴鹤 鷹鹰 麼么 黷黩 鼴鼹 齋斋 齣出 尋寻 纔才 攏拢 鄭郑 嚮向 鏽锈 繽缤 紛纷 獷犷
"""

T2S: dict[str, str] = {}
for _pair in _PAIRS.split():
    _traditional, _simplified = _pair[0], _pair[1]
    T2S[_traditional] = _simplified
# Identity pairs written for readability (庄庄, 阪阪) would only waste a lookup.
T2S = {t: s for t, s in T2S.items() if t != s}


def to_simplified(text: str) -> str:
    return "".join(T2S.get(ch, ch) for ch in text)
