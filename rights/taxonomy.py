"""The grievance taxonomy of domain.md §3.1 with the words of glossary.md §2.14.

Loaded by a data migration; afterwards the rows are edited in the admin.
CATEGORIES: (code, name_zh, name_en, worker_zh, worker_en, worker_selectable)
ROUTING: code -> (legal basis zh, legal basis en, forums, to be confirmed locally), from the
  "Main legal basis" and "Primary forum" columns of domain.md §3.1, §3.4–3.5 and §4.3. Law titles
  are in their short screen form (glossary §1.7): 《劳动合同法》第47条; filings expand them.
  The first forum is the primary one. Rows tagged [S]/[U] in domain.md are flagged.
EVIDENCE: code -> [(item code, label zh, label en, required, to be confirmed locally)], the
  checklist a caseworker works through before a filing (LDMAL Art. 6 and 39: what the employer
  holds, the employer must produce, so those items are marked not required of the worker).
"""

from .forums import Forum as F

CATEGORIES: list[tuple[str, str, str, str, str, bool]] = [
    (
        "WAGE.ARREARS",
        "拖欠、克扣工资",
        "wage arrears or deductions",
        "单位欠工资或乱扣工资",
        "My employer owes me wages or makes deductions",
        True,
    ),
    (
        "WAGE.MINIMUM",
        "工资低于最低工资标准",
        "pay below the minimum wage",
        "工资比最低工资还低",
        "My pay is below the minimum wage",
        True,
    ),
    (
        "WAGE.OVERTIME",
        "加班费",
        "overtime pay",
        "加班不给钱或给少了",
        "Overtime is unpaid or underpaid",
        True,
    ),
    (
        "WAGE.PROBATION",
        "试用期工资",
        "probation pay",
        "试用期工资太低",
        "My probation pay is too low",
        True,
    ),
    (
        "CONTRACT.NO_WRITTEN",
        "未订立书面劳动合同",
        "no written contract",
        "没签劳动合同",
        "I have no written contract",
        True,
    ),
    (
        "CONTRACT.OPEN_ENDED",
        "应订立未订立无固定期限劳动合同",
        "open-ended contract not concluded",
        "该签无固定期限合同却没签",
        "I should have an open-ended contract",
        True,
    ),
    (
        "CONTRACT.ILLEGAL_PROBATION",
        "违法约定试用期",
        "unlawful probation",
        "试用期太长或约定了不止一次",
        "My probation is too long or was set more than once",
        True,
    ),
    (
        "CONTRACT.CHANGE",
        "调岗降薪",
        "unilateral change of post or pay",
        "被调岗或降薪",
        "My post or pay was changed without my agreement",
        True,
    ),
    (
        "CONTRACT.SERVICE_PERIOD",
        "服务期违约金",
        "service-period penalty",
        "培训后离职被要求赔钱",
        "I am asked to pay for training after leaving",
        True,
    ),
    (
        "CONTRACT.NONCOMPETE",
        "竞业限制",
        "non-compete",
        "竞业限制补偿或违约金",
        "Non-compete pay or penalty",
        True,
    ),
    (
        "TERM.ECON_COMP",
        "经济补偿",
        "economic compensation (N)",
        "离职该给的经济补偿没给",
        "I was not paid the compensation due when my job ended",
        True,
    ),
    (
        "TERM.NOTICE_PAY",
        "代通知金",
        "pay in lieu of notice (+1)",
        "没提前30天通知就解除",
        "I was dismissed without 30 days' notice",
        True,
    ),
    (
        "TERM.UNLAWFUL",
        "违法解除或者终止劳动合同",
        "unlawful termination",
        "被违法辞退",
        "I was dismissed unlawfully",
        True,
    ),
    (
        "TERM.WORKER_RESIGN_FOR_CAUSE",
        "劳动者因用人单位过错解除劳动合同",
        "resignation for the employer's fault",
        "因单位欠薪、不交社保等原因辞职",
        "I resigned because my employer owed wages or did not pay social insurance",
        True,
    ),
    (
        "TERM.MASS_LAYOFF",
        "经济性裁员",
        "mass layoff",
        "单位集体裁员",
        "My employer is laying off many workers",
        True,
    ),
    (
        "TERM.PROTECTED",
        "特殊保护期内解除劳动合同",
        "termination during a protected period",
        "怀孕、生病、工伤期间被辞退",
        "I was dismissed while pregnant, ill or injured",
        True,
    ),
    (
        "TERM.PAPERS",
        "离职证明及档案、社会保险关系转移",
        "termination certificate and transfers",
        "不给开离职证明或不转档案、社保",
        "No leaving certificate, or my files or social insurance were not transferred",
        True,
    ),
    (
        "SI.ARREARS",
        "未缴、欠缴社会保险费",
        "unpaid social-insurance contributions",
        "单位没交或少交社保",
        "My employer did not pay my social insurance in full",
        True,
    ),
    (
        "SI.LOSS",
        "社会保险待遇损失",
        "lost social-insurance benefits",
        "因单位没交社保而拿不到待遇",
        "I lost benefits because social insurance was not paid",
        True,
    ),
    (
        "SI.RESIGN",
        "因未缴社会保险解除劳动合同",
        "resignation over unpaid social insurance",
        "因单位不交社保而辞职",
        "I resigned because social insurance was not paid",
        True,
    ),
    (
        "INJURY.RECOGNITION",
        "工伤认定",
        "work-injury recognition",
        "受伤了，想认定工伤",
        "I was injured at work and want it recognised",
        True,
    ),
    (
        "INJURY.ASSESSMENT",
        "劳动能力鉴定",
        "work-capacity assessment",
        "评伤残等级",
        "I need a disability grade assessed",
        True,
    ),
    (
        "INJURY.BENEFITS",
        "工伤保险待遇",
        "work-injury benefits",
        "工伤待遇没拿到",
        "I did not get my work-injury benefits",
        True,
    ),
    (
        "INJURY.OCC_DISEASE",
        "职业病",
        "occupational disease",
        "因工作得了职业病",
        "I became ill because of my work",
        True,
    ),
    (
        "HOURS.EXCESS",
        "超时加班",
        "excessive overtime",
        "加班太多",
        "I am made to work too much overtime",
        True,
    ),
    (
        "LEAVE.ANNUAL",
        "带薪年休假",
        "paid annual leave",
        "年假不让休也不给钱",
        "I get no annual leave and no pay for it",
        True,
    ),
    (
        "LEAVE.FEMALE",
        "女职工和未成年工特殊保护",
        "special protection of women and young workers",
        "孕期、产假、哺乳期权益，或未满18岁的工人",
        "Pregnancy, maternity or breastfeeding rights, or workers under 18",
        True,
    ),
    (
        "REL.CONFIRM",
        "确认劳动关系",
        "confirmation of an employment relationship",
        "单位不承认我是它的职工",
        "My employer denies that I work for it",
        True,
    ),
    (
        "REL.DISPATCH",
        "劳务派遣",
        "labour dispatch",
        "派遣工同工不同酬等",
        "Dispatched workers: unequal pay and similar",
        True,
    ),
    (
        "REL.SUBCONTRACT",
        "违法转包、挂靠用工",
        "unlawful subcontracting or affiliation",
        "包工头欠钱，找不到用人单位",
        "A labour contractor owes me money and I cannot find the employer",
        True,
    ),
    (
        "SAFETY.CONDITIONS",
        "劳动安全卫生",
        "occupational safety and health",
        "工作环境不安全",
        "My workplace is unsafe",
        True,
    ),
    (
        "UNION.RETALIATION",
        "因参加工会活动被解除劳动合同",
        "dismissal for union activity",
        "因参加工会活动被辞退",
        "I was dismissed for union activity",
        True,
    ),
    (
        "COLLECTIVE.CONTRACT",
        "集体合同争议",
        "collective contract dispute",
        "集体合同争议",
        "Collective contract dispute",
        False,
    ),
    (
        "SKILL.ASSESSMENT_PROCESS",
        "技能等级评价争议",
        "dispute over a skill assessment",
        "技能等级考核评价不公",
        "My skill assessment was unfair",
        True,
    ),
    (
        "SKILL.GRADE_PAY",
        "技能等级工资待遇",
        "grade-linked pay",
        "评上等级却没有兑现待遇",
        "I reached a grade but do not get its pay",
        True,
    ),
    (
        "SKILL.POST_APPOINTMENT",
        "特级技师、首席技师岗位聘任",
        "appointment to a principal or chief technician post",
        "特级、首席技师岗位被取消或降低待遇",
        "My principal or chief technician post was removed or its pay cut",
        True,
    ),
    (
        "SKILL.CERT_WITHHELD",
        "扣押证书或收取费用",
        "certificate withheld or fees charged",
        "单位扣证书或收费",
        "My employer keeps my certificate or charges fees",
        True,
    ),
    (
        "SKILL.TRAINING_PENALTY",
        "培训服务期违约金",
        "training penalty",
        "培训后离职被要求赔钱（技能等级培训）",
        "I am asked to pay for skill training after leaving",
        True,
    ),
    (
        "SKILL.INCOMPETENCE_DISMISSAL",
        "以不能胜任工作为由解除劳动合同",
        "dismissal for incompetence",
        "说我不胜任就辞退",
        "I was dismissed as not competent",
        True,
    ),
    ("OTHER", "其他", "other", "其他问题", "Something else", True),
]


ARB = F.ARBITRATION
INSP = F.LABOUR_INSPECTION

LCL = "《劳动合同法》"
IMPL = "《劳动合同法实施条例》"
LL = "《劳动法》"
E_LCL = "Labour Contract Law"
E_IMPL = "Implementing Regulations of the Labour Contract Law"
E_LL = "Labour Law"

ROUTING: dict[str, tuple[str, str, list[str], bool]] = {
    "WAGE.ARREARS": (
        f"{LL}第50条、第91条；{LCL}第30条、第85条；《劳动保障监察条例》第26条",
        f"{E_LL} Art. 50, 91; {E_LCL} Art. 30, 85; "
        "Regulations on Labour Security Supervision Art. 26",
        [ARB, INSP, F.COURT],
        False,
    ),
    "WAGE.MINIMUM": (
        f"{LL}第48条；{LCL}第85条",
        f"{E_LL} Art. 48; {E_LCL} Art. 85",
        [ARB, INSP],
        False,
    ),
    "WAGE.OVERTIME": (
        f"{LL}第41条、第44条；{LCL}第31条",
        f"{E_LL} Art. 41, 44; {E_LCL} Art. 31",
        [ARB, INSP],
        False,
    ),
    "WAGE.PROBATION": (
        f"{LCL}第20条；{IMPL}第15条",
        f"{E_LCL} Art. 20; {E_IMPL} Art. 15",
        [ARB],
        False,
    ),
    "CONTRACT.NO_WRITTEN": (
        f"{LCL}第10条、第14条、第82条；{IMPL}第6条、第7条",
        f"{E_LCL} Art. 10, 14, 82; {E_IMPL} Art. 6, 7",
        [ARB],
        False,
    ),
    "CONTRACT.OPEN_ENDED": (
        f"{LCL}第14条、第82条",
        f"{E_LCL} Art. 14, 82",
        [ARB],
        False,
    ),
    "CONTRACT.ILLEGAL_PROBATION": (
        f"{LCL}第19条、第83条",
        f"{E_LCL} Art. 19, 83",
        [ARB, INSP],
        False,
    ),
    "CONTRACT.CHANGE": (f"{LCL}第35条", f"{E_LCL} Art. 35", [ARB], False),
    "CONTRACT.SERVICE_PERIOD": (
        f"{LCL}第22条；{IMPL}第16条、第26条",
        f"{E_LCL} Art. 22; {E_IMPL} Art. 16, 26",
        [ARB],
        False,
    ),
    "CONTRACT.NONCOMPETE": (f"{LCL}第23条、第24条", f"{E_LCL} Art. 23, 24", [ARB], False),
    "TERM.ECON_COMP": (
        f"{LCL}第46条、第47条；{IMPL}第27条",
        f"{E_LCL} Art. 46, 47; {E_IMPL} Art. 27",
        [ARB],
        False,
    ),
    "TERM.NOTICE_PAY": (
        f"{LCL}第40条；{IMPL}第20条",
        f"{E_LCL} Art. 40; {E_IMPL} Art. 20",
        [ARB],
        False,
    ),
    "TERM.UNLAWFUL": (
        f"{LCL}第48条、第87条；{IMPL}第25条",
        f"{E_LCL} Art. 48, 87; {E_IMPL} Art. 25",
        [ARB],
        False,
    ),
    "TERM.WORKER_RESIGN_FOR_CAUSE": (
        f"{LCL}第38条、第46条第1项",
        f"{E_LCL} Art. 38; Art. 46, item 1",
        [ARB],
        False,
    ),
    "TERM.MASS_LAYOFF": (
        f"{LCL}第41条、第46条第4项",
        f"{E_LCL} Art. 41; Art. 46, item 4",
        [ARB, F.UNION],
        False,
    ),
    "TERM.PROTECTED": (f"{LCL}第42条、第45条", f"{E_LCL} Art. 42, 45", [ARB], False),
    "TERM.PAPERS": (
        f"{LCL}第50条、第89条；{IMPL}第24条",
        f"{E_LCL} Art. 50, 89; {E_IMPL} Art. 24",
        [INSP, ARB],
        False,
    ),
    # §3.5: back-payment of contributions is an administrative collection matter, not arbitration.
    "SI.ARREARS": (
        "《社会保险法》第58条、第63条、第86条",
        "Social Insurance Law Art. 58, 63, 86",
        [F.SI_AGENCY, F.TAX_AUTHORITY],
        False,
    ),
    "SI.LOSS": (
        "《社会保险法》第83条；《劳动争议司法解释（一）》第1条第5项",
        "Social Insurance Law Art. 83; SPC Interpretation (I) on labour disputes Art. 1, item 5",
        [ARB],
        True,
    ),
    "SI.RESIGN": (
        f"{LCL}第38条第1款第3项、第46条；《劳动争议司法解释（二）》第19条",
        f"{E_LCL} Art. 38, para. 1, item 3; Art. 46; "
        "SPC Interpretation (II) on labour disputes Art. 19",
        [ARB],
        True,
    ),
    # §3.4: recognition is decided by the social-insurance administration; challenges go to
    # administrative reconsideration or suit, benefit disputes with the employer to arbitration.
    "INJURY.RECOGNITION": (
        "《工伤保险条例》第14条至第20条",
        "Work-Injury Insurance Regulations Art. 14–20",
        [F.SI_ADMINISTRATION],
        False,
    ),
    "INJURY.ASSESSMENT": (
        "《工伤保险条例》第21条至第29条",
        "Work-Injury Insurance Regulations Art. 21–29",
        [F.ASSESSMENT_COMMITTEE],
        False,
    ),
    "INJURY.BENEFITS": (
        "《工伤保险条例》第30条至第39条、第54条、第62条",
        "Work-Injury Insurance Regulations Art. 30–39, 54, 62",
        [ARB],
        False,
    ),
    "INJURY.OCC_DISEASE": (
        "《工伤保险条例》第14条第4项、第17条、第19条",
        "Work-Injury Insurance Regulations Art. 14, item 4; Art. 17, 19",
        [F.OCC_DISEASE_DIAGNOSIS, F.SI_ADMINISTRATION],
        False,
    ),
    "HOURS.EXCESS": (
        f"{LL}第41条、第43条、第90条",
        f"{E_LL} Art. 41, 43, 90",
        [INSP],
        False,
    ),
    "LEAVE.ANNUAL": (
        "《职工带薪年休假条例》第5条；《企业职工带薪年休假实施办法》第10条",
        "Regulations on Paid Annual Leave for Workers Art. 5; "
        "Implementing Measures on Paid Annual Leave for Enterprise Workers Art. 10",
        [ARB, INSP],
        False,
    ),
    "LEAVE.FEMALE": (
        f"{LL}第58条至第65条；《劳动保障监察条例》第23条",
        f"{E_LL} Art. 58–65; Regulations on Labour Security Supervision Art. 23",
        [INSP, ARB],
        False,
    ),
    "REL.CONFIRM": (
        "《劳动争议调解仲裁法》第2条第1项",
        "Labour Dispute Mediation and Arbitration Law Art. 2, item 1",
        [ARB],
        False,
    ),
    "REL.DISPATCH": (
        f"{LCL}第58条至第67条、第92条；《劳动争议调解仲裁法》第22条",
        f"{E_LCL} Art. 58–67, 92; Labour Dispute Mediation and Arbitration Law Art. 22",
        [ARB],
        False,
    ),
    "REL.SUBCONTRACT": (
        f"{LCL}第94条；《劳动争议司法解释（二）》",
        f"{E_LCL} Art. 94; SPC Interpretation (II) on labour disputes",
        [ARB],
        True,
    ),
    "SAFETY.CONDITIONS": (
        f"{LCL}第32条、第38条；{LL}第56条；《工会法》第25条",
        f"{E_LCL} Art. 32, 38; {E_LL} Art. 56; Trade Union Law Art. 25",
        [F.SAFETY_REGULATOR, INSP],
        False,
    ),
    "UNION.RETALIATION": (
        "《工会法》第52条、第53条；《劳动保障监察条例》第29条",
        "Trade Union Law Art. 52, 53; Regulations on Labour Security Supervision Art. 29",
        [INSP, ARB],
        False,
    ),
    "COLLECTIVE.CONTRACT": (
        f"{LCL}第56条；《工会法》第21条；{LL}第84条",
        f"{E_LCL} Art. 56; Trade Union Law Art. 21; {E_LL} Art. 84",
        [ARB, F.UNION],
        False,
    ),
    # §4.3 is mostly analysis [U]: the routes below are flagged where the domain reference is.
    "SKILL.ASSESSMENT_PROCESS": (
        "《劳动保障监察条例》第11条第8项、第28条",
        "Regulations on Labour Security Supervision Art. 11, item 8; Art. 28",
        [F.SKILL_ASSESSOR, INSP],
        True,
    ),
    "SKILL.GRADE_PAY": (
        f"{LL}第50条；{LCL}第30条；人社部发〔2022〕14号",
        f"{E_LL} Art. 50; {E_LCL} Art. 30; MOHRSS 〔2022〕 No. 14",
        [ARB],
        True,
    ),
    "SKILL.POST_APPOINTMENT": (
        f"{LCL}第35条；人社部发〔2022〕14号",
        f"{E_LCL} Art. 35; MOHRSS 〔2022〕 No. 14",
        [ARB],
        True,
    ),
    "SKILL.CERT_WITHHELD": (f"{LCL}第9条、第84条", f"{E_LCL} Art. 9, 84", [INSP], False),
    "SKILL.TRAINING_PENALTY": (
        f"{LCL}第22条；{IMPL}第16条、第17条、第26条",
        f"{E_LCL} Art. 22; {E_IMPL} Art. 16, 17, 26",
        [ARB],
        False,
    ),
    "SKILL.INCOMPETENCE_DISMISSAL": (
        f"{LCL}第40条第2项、第48条、第87条",
        f"{E_LCL} Art. 40, item 2; Art. 48, 87",
        [ARB],
        False,
    ),
    "OTHER": ("分流后确定", "determined at triage", [F.UNION], False),
}

# --- evidence checklists ------------------------------------------------------------------------
# (code, label_zh, label_en, required, to be confirmed locally)
Item = tuple[str, str, str, bool, bool]

EMPLOYMENT: Item = (
    "employment_proof",
    "劳动合同或其他劳动关系证明（工牌、工作服、招工记录、社保记录等）",
    "Labour contract or other proof of employment (work badge, uniform, hiring records, "
    "social-insurance record)",
    True,
    False,
)
PAY: Item = (
    "pay_records",
    "工资条或银行工资流水",
    "Pay slips or bank wage records",
    True,
    False,
)
ATTENDANCE: Item = (
    "attendance",
    "考勤记录（打卡记录、排班表、工作群通知）",
    "Attendance records (clock-in records, rosters, work-group notices)",
    False,  # held by the employer, who must produce it (LDMAL Art. 6)
    False,
)
CHAT: Item = (
    "communications",
    "与单位沟通的聊天记录、短信、电话录音",
    "Chat records, text messages or call recordings with the employer",
    False,
    False,
)
TERMINATION: Item = (
    "termination_notice",
    "解除或者终止劳动合同通知书（或告知辞退的聊天记录）",
    "Notice of termination (or the messages announcing the dismissal)",
    True,
    False,
)
SI_RECORD: Item = (
    "si_record",
    "社会保险缴费记录（社保权益记录单）",
    "Social-insurance contribution record",
    True,
    False,
)
RULES: Item = (
    "workplace_rules",
    "规章制度及其公示或者告知的证明",
    "Workplace rules and proof they were made known",
    False,
    False,
)
MEDICAL: Item = (
    "medical_records",
    "病历、诊断证明、医疗费票据",
    "Medical records, diagnosis certificate and medical bills",
    True,
    False,
)
RECOGNITION_DECISION: Item = (
    "recognition_decision",
    "认定工伤决定书",
    "Work-injury recognition decision",
    True,
    False,
)
WITNESSES: Item = (
    "witness_statements",
    "证人证言及证人联系方式",
    "Witness statements and how to reach the witnesses",
    False,
    False,
)
TRAINING: Item = (
    "training_agreement",
    "培训协议、服务期约定及培训费用凭证",
    "Training agreement, service-period terms and proof of the training costs",
    True,
    False,
)
SKILL_CERT: Item = (
    "skill_certificate",
    "职业技能等级证书或认定结果",
    "Skill-grade certificate or assessment result",
    True,
    False,
)

EVIDENCE: dict[str, list[Item]] = {
    "WAGE.ARREARS": [
        EMPLOYMENT,
        PAY,
        ATTENDANCE,
        CHAT,
        (
            "iou",
            "欠条或工资结算单（如有）",
            "Written IOU (欠条) or wage statement, if any",
            False,
            False,
        ),
    ],
    "WAGE.MINIMUM": [EMPLOYMENT, PAY, ATTENDANCE],
    "WAGE.OVERTIME": [
        EMPLOYMENT,
        PAY,
        ATTENDANCE,
        (
            "overtime_proof",
            "加班审批单、加班通知或工作群中的加班安排",
            "Overtime approvals, notices or overtime arrangements in work chats",
            False,
            False,
        ),
        CHAT,
    ],
    "WAGE.PROBATION": [EMPLOYMENT, PAY],
    "CONTRACT.NO_WRITTEN": [
        (
            "start_proof",
            "入职时间的证明（录用通知、入职登记表、工牌、第一笔工资记录）",
            "Proof of the start date (offer, registration form, badge, first wage payment)",
            True,
            False,
        ),
        PAY,
        ATTENDANCE,
        CHAT,
    ],
    "CONTRACT.OPEN_ENDED": [
        EMPLOYMENT,
        (
            "earlier_contracts",
            "此前各期劳动合同或连续工作满十年的证明",
            "Earlier fixed-term contracts or proof of ten years' continuous service",
            True,
            False,
        ),
        PAY,
    ],
    "CONTRACT.ILLEGAL_PROBATION": [EMPLOYMENT, PAY],
    "CONTRACT.CHANGE": [
        EMPLOYMENT,
        (
            "change_notice",
            "调岗、降薪通知或相关文件",
            "Notice or papers on the change of post or pay",
            True,
            False,
        ),
        PAY,
        CHAT,
    ],
    "CONTRACT.SERVICE_PERIOD": [EMPLOYMENT, TRAINING, TERMINATION],
    "CONTRACT.NONCOMPETE": [
        EMPLOYMENT,
        (
            "noncompete_agreement",
            "竞业限制协议",
            "Non-compete agreement",
            True,
            False,
        ),
        (
            "noncompete_payments",
            "竞业限制补偿支付记录",
            "Records of non-compete payments",
            False,
            False,
        ),
        TERMINATION,
    ],
    "TERM.ECON_COMP": [EMPLOYMENT, TERMINATION, PAY, SI_RECORD],
    "TERM.NOTICE_PAY": [EMPLOYMENT, TERMINATION, PAY],
    "TERM.UNLAWFUL": [
        EMPLOYMENT,
        TERMINATION,
        PAY,
        RULES,
        (
            "union_notice",
            "单位事先通知工会的情况（如有）",
            "Whether the employer told the union beforehand, if known",
            False,
            False,
        ),
        CHAT,
    ],
    "TERM.WORKER_RESIGN_FOR_CAUSE": [
        EMPLOYMENT,
        (
            "resignation_notice",
            "被迫解除劳动合同通知书及送达证明",
            "The worker's notice of resignation for cause and proof of delivery",
            True,
            False,
        ),
        PAY,
        SI_RECORD,
    ],
    "TERM.MASS_LAYOFF": [
        EMPLOYMENT,
        TERMINATION,
        (
            "layoff_plan",
            "裁员方案、向工会或全体职工说明情况的材料及向劳动行政部门报告的材料",
            "Layoff plan, the explanation given to the union or all workers, and the report to "
            "the labour administration",
            False,
            True,
        ),
        PAY,
    ],
    "TERM.PROTECTED": [
        EMPLOYMENT,
        TERMINATION,
        (
            "protected_status",
            "孕期、医疗期、工伤或职业病的证明，或工龄及年龄的证明",
            "Proof of pregnancy, medical-treatment period, work injury or occupational disease, "
            "or of years of service and age",
            True,
            False,
        ),
        PAY,
    ],
    "TERM.PAPERS": [
        EMPLOYMENT,
        TERMINATION,
        (
            "request_record",
            "要求出具离职证明或转移档案、社保的记录",
            "Records of asking for the leaving certificate or the transfer of files or social "
            "insurance",
            True,
            False,
        ),
        (
            "loss_proof",
            "因此造成损失的证明（如新单位无法录用）",
            "Proof of any resulting loss (e.g. a new employer could not hire)",
            False,
            False,
        ),
    ],
    "SI.ARREARS": [
        EMPLOYMENT,
        SI_RECORD,
        PAY,
        (
            "si_request",
            "向单位要求缴纳社保的记录",
            "Records of asking the employer to pay contributions",
            False,
            False,
        ),
    ],
    "SI.LOSS": [
        EMPLOYMENT,
        SI_RECORD,
        (
            "benefit_refusal",
            "社会保险经办机构不予支付待遇或不能补缴的书面答复",
            "Written reply from the social-insurance agency refusing benefits or back-enrolment",
            True,
            True,
        ),
        (
            "loss_amount",
            "待遇损失的计算依据（医疗费票据、生育费用等）",
            "Basis for the lost benefits (medical bills, maternity costs …)",
            True,
            False,
        ),
    ],
    "SI.RESIGN": [
        EMPLOYMENT,
        SI_RECORD,
        (
            "resignation_notice",
            "以未缴社会保险为由解除劳动合同的通知书及送达证明",
            "Notice of resignation over unpaid social insurance and proof of delivery",
            True,
            False,
        ),
        PAY,
    ],
    "INJURY.RECOGNITION": [
        (
            "recognition_form",
            "工伤认定申请表",
            "Work-injury recognition application form",
            True,
            False,
        ),
        (
            "accident_report",
            "事故经过说明或事故报告（时间、地点、原因、伤害程度）",
            "Account or report of the accident (time, place, cause, severity)",
            True,
            False,
        ),
        MEDICAL,
        EMPLOYMENT,
        WITNESSES,
        (
            "traffic_report",
            "上下班途中交通事故的责任认定书（如属此情形）",
            "Traffic-accident liability finding, for an accident on the way to or from work",
            False,
            False,
        ),
    ],
    "INJURY.ASSESSMENT": [
        RECOGNITION_DECISION,
        (
            "assessment_form",
            "劳动能力鉴定申请表",
            "Work-capacity assessment application form",
            True,
            True,
        ),
        (
            "treatment_records",
            "治疗终结或伤情相对稳定的病历、检查报告",
            "Medical records and test reports showing treatment ended or the condition is stable",
            True,
            False,
        ),
        (
            "id_card",
            "身份证复印件",
            "Copy of the worker's ID card",
            True,
            False,
        ),
    ],
    "INJURY.BENEFITS": [
        RECOGNITION_DECISION,
        (
            "assessment_conclusion",
            "劳动能力鉴定结论书",
            "Work-capacity assessment conclusion",
            False,
            False,
        ),
        MEDICAL,
        PAY,
        SI_RECORD,
        EMPLOYMENT,
    ],
    "INJURY.OCC_DISEASE": [
        (
            "diagnosis",
            "职业病诊断证明书或鉴定书",
            "Occupational-disease diagnosis certificate or appraisal",
            True,
            False,
        ),
        (
            "exposure_history",
            "职业史及职业病危害接触史（岗位、工种、接触时间）",
            "Work and exposure history (post, trade, length of exposure)",
            True,
            False,
        ),
        (
            "workplace_monitoring",
            "工作场所职业病危害因素检测结果及职业健康检查记录",
            "Workplace hazard measurements and occupational health check records",
            False,  # held by the employer
            False,
        ),
        EMPLOYMENT,
        MEDICAL,
    ],
    "HOURS.EXCESS": [
        EMPLOYMENT,
        ATTENDANCE,
        (
            "schedule",
            "排班表或加班安排通知",
            "Shift plans or overtime notices",
            True,
            False,
        ),
        PAY,
    ],
    "LEAVE.ANNUAL": [
        EMPLOYMENT,
        (
            "service_years",
            "累计工作年限的证明（社保缴费记录、以往劳动合同）",
            "Proof of total years of work (contribution record, earlier contracts)",
            True,
            False,
        ),
        (
            "leave_records",
            "请休假记录",
            "Leave records",
            False,  # held by the employer
            False,
        ),
        PAY,
    ],
    "LEAVE.FEMALE": [
        EMPLOYMENT,
        (
            "pregnancy_proof",
            "孕检、生育或哺乳的证明，或未成年工的年龄证明",
            "Proof of pregnancy, birth or breastfeeding, or of a young worker's age",
            True,
            False,
        ),
        (
            "duties_proof",
            "岗位、工作内容或禁忌作业安排的证明",
            "Proof of the post, duties or prohibited work assigned",
            False,
            False,
        ),
        PAY,
    ],
    "REL.CONFIRM": [
        PAY,
        (
            "badge_uniform",
            "工作证、工牌、工作服、招工登记表",
            "Work pass, badge, uniform or hiring registration form",
            False,
            False,
        ),
        ATTENDANCE,
        (
            "work_records",
            "以单位名义开展工作的记录（工作群、派工单、签收单）",
            "Records of work done in the employer's name (work chats, job tickets, receipts)",
            False,
            False,
        ),
        WITNESSES,
    ],
    "REL.DISPATCH": [
        (
            "dispatch_contract",
            "与劳务派遣单位订立的劳动合同",
            "Labour contract with the dispatch agency",
            True,
            False,
        ),
        (
            "host_proof",
            "在用工单位工作的证明（工牌、考勤、工作群）",
            "Proof of work at the host employer (badge, attendance, work chats)",
            True,
            False,
        ),
        PAY,
        (
            "comparator_pay",
            "同岗位正式职工工资的证明（同工同酬）",
            "Pay of directly employed workers in the same post (equal pay)",
            False,
            False,
        ),
    ],
    "REL.SUBCONTRACT": [
        (
            "project_proof",
            "在该工程或项目工作的证明（工地出入记录、工资表、工友证言）",
            "Proof of work on the project (site access records, wage sheets, co-workers' "
            "statements)",
            True,
            False,
        ),
        (
            "contractor_identity",
            "包工头、分包单位和总承包单位的身份信息",
            "Identity of the labour contractor, subcontractor and main contractor",
            True,
            False,
        ),
        (
            "iou",
            "欠条或工资结算单",
            "Written IOU (欠条) or wage statement",
            False,
            False,
        ),
        WITNESSES,
    ],
    "SAFETY.CONDITIONS": [
        (
            "hazard_evidence",
            "危险作业或不安全条件的照片、视频",
            "Photos or videos of the dangerous work or unsafe conditions",
            True,
            False,
        ),
        (
            "orders",
            "违章指挥或强令冒险作业的记录",
            "Records of unlawful orders or of being made to work at risk",
            False,
            False,
        ),
        (
            "protective_equipment",
            "劳动防护用品发放情况",
            "What protective equipment was (not) issued",
            False,
            False,
        ),
        EMPLOYMENT,
    ],
    "UNION.RETALIATION": [
        EMPLOYMENT,
        TERMINATION,
        (
            "union_role",
            "工会会员或工会职务的证明及参加工会活动的记录",
            "Proof of union membership or office and of the union activity",
            True,
            False,
        ),
        PAY,
        WITNESSES,
    ],
    "COLLECTIVE.CONTRACT": [
        (
            "collective_contract",
            "集体合同文本及报送劳动行政部门的材料",
            "The collective contract and its filing with the labour administration",
            True,
            False,
        ),
        (
            "consultation_records",
            "集体协商记录",
            "Records of the collective consultation",
            True,
            False,
        ),
        (
            "representatives",
            "职工代表推举情况及名单",
            "How the workers' representatives were elected, and the list",
            False,
            False,
        ),
    ],
    "SKILL.ASSESSMENT_PROCESS": [
        SKILL_CERT,
        (
            "assessment_rules",
            "评价方案、报名材料及评分结果",
            "Assessment rules, application papers and scores",
            True,
            True,
        ),
        (
            "internal_complaint",
            "向评价机构提出异议的记录",
            "Record of the objection made to the assessing body",
            False,
            True,
        ),
        EMPLOYMENT,
    ],
    "SKILL.GRADE_PAY": [
        EMPLOYMENT,
        SKILL_CERT,
        (
            "pay_policy",
            "单位薪酬制度、集体合同或劳动合同中关于技能等级待遇的约定",
            "Pay system, collective or labour contract terms on grade-linked pay",
            True,
            False,
        ),
        PAY,
    ],
    "SKILL.POST_APPOINTMENT": [
        EMPLOYMENT,
        (
            "appointment_papers",
            "特级技师、首席技师聘任文件及聘期约定",
            "Appointment papers for the principal or chief technician post and its term",
            True,
            True,
        ),
        (
            "change_notice",
            "取消聘任或降低待遇的通知",
            "Notice ending the appointment or cutting its pay",
            True,
            False,
        ),
        PAY,
    ],
    "SKILL.CERT_WITHHELD": [
        EMPLOYMENT,
        (
            "withholding_proof",
            "证书被扣押或收取费用的证明（收条、转账记录、聊天记录）",
            "Proof the certificate is withheld or fees were charged (receipts, transfers, chats)",
            True,
            False,
        ),
    ],
    "SKILL.TRAINING_PENALTY": [EMPLOYMENT, TRAINING, SKILL_CERT, TERMINATION],
    "SKILL.INCOMPETENCE_DISMISSAL": [
        EMPLOYMENT,
        TERMINATION,
        (
            "assessment_results",
            "考核或等级评价结果",
            "Performance or grade assessment results",
            False,  # held by the employer
            False,
        ),
        (
            "training_or_transfer",
            "单位是否安排培训或调岗的记录",
            "Records of whether the employer offered training or another post",
            False,
            False,
        ),
        RULES,
    ],
    "OTHER": [EMPLOYMENT, CHAT],
}


def ensure_categories(category_model) -> int:
    """Create the categories that are missing (by code) with their legal basis, forums and evidence
    checklist; on existing rows fill only what is blank (no legal basis and no forums; no evidence
    item at all), so edited rows are left alone and a second call changes nothing. Returns how
    many categories were created. Used by the data migrations (with historical models: the
    evidence model is looked up in the same app registry as `category_model`) and by tests that
    flush the database."""
    evidence_model = category_model._meta.apps.get_model("rights", "EvidenceItem")
    existing = {
        code: (pk, basis, forums)
        for pk, code, basis, forums in category_model.objects.values_list(
            "pk", "code", "legal_basis_zh", "forums"
        )
    }
    new = []
    for order, (code, zh, en, wzh, wen, selectable) in enumerate(CATEGORIES):
        basis_zh, basis_en, forums, confirm = ROUTING[code]
        if code not in existing:
            new.append(
                category_model(
                    code=code,
                    name_zh=zh,
                    name_en=en,
                    worker_label_zh=wzh,
                    worker_label_en=wen,
                    worker_selectable=selectable,
                    sort_order=order,
                    legal_basis_zh=basis_zh,
                    legal_basis_en=basis_en,
                    forums=[str(f) for f in forums],
                    needs_local_confirmation=confirm,
                )
            )
        elif not existing[code][1] and not existing[code][2]:
            category_model.objects.filter(pk=existing[code][0]).update(
                legal_basis_zh=basis_zh,
                legal_basis_en=basis_en,
                forums=[str(f) for f in forums],
                needs_local_confirmation=confirm,
            )
    category_model.objects.bulk_create(new)

    with_items = set(evidence_model.objects.values_list("category_id", flat=True).distinct())
    ids = dict(category_model.objects.values_list("code", "pk"))
    items = [
        evidence_model(
            category_id=ids[code],
            code=item_code,
            label_zh=label_zh,
            label_en=label_en,
            required=required,
            needs_local_confirmation=confirm,
            sort_order=order,
        )
        for code, checklist in EVIDENCE.items()
        if code in ids and ids[code] not in with_items
        for order, (item_code, label_zh, label_en, required, confirm) in enumerate(checklist)
    ]
    evidence_model.objects.bulk_create(items)
    return len(new)
