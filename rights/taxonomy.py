"""The grievance taxonomy of domain.md §3.1 with the words of glossary.md §2.14.

Loaded by a data migration; afterwards the rows are edited in the admin.
(code, name_zh, name_en, worker_zh, worker_en, worker_selectable)
"""

CATEGORIES: list[tuple[str, str, str, str, str, bool]] = [
    ("WAGE.ARREARS", "拖欠、克扣工资", "wage arrears or deductions", "单位欠工资或乱扣工资", "My employer owes me wages or makes deductions", True),
    ("WAGE.MINIMUM", "工资低于最低工资标准", "pay below the minimum wage", "工资比最低工资还低", "My pay is below the minimum wage", True),
    ("WAGE.OVERTIME", "加班费", "overtime pay", "加班不给钱或给少了", "Overtime is unpaid or underpaid", True),
    ("WAGE.PROBATION", "试用期工资", "probation pay", "试用期工资太低", "My probation pay is too low", True),
    ("CONTRACT.NO_WRITTEN", "未订立书面劳动合同", "no written contract", "没签劳动合同", "I have no written contract", True),
    ("CONTRACT.OPEN_ENDED", "应订立未订立无固定期限劳动合同", "open-ended contract not concluded", "该签无固定期限合同却没签", "I should have an open-ended contract", True),
    ("CONTRACT.ILLEGAL_PROBATION", "违法约定试用期", "unlawful probation", "试用期太长或约定了不止一次", "My probation is too long or was set more than once", True),
    ("CONTRACT.CHANGE", "调岗降薪", "unilateral change of post or pay", "被调岗或降薪", "My post or pay was changed without my agreement", True),
    ("CONTRACT.SERVICE_PERIOD", "服务期违约金", "service-period penalty", "培训后离职被要求赔钱", "I am asked to pay for training after leaving", True),
    ("CONTRACT.NONCOMPETE", "竞业限制", "non-compete", "竞业限制补偿或违约金", "Non-compete pay or penalty", True),
    ("TERM.ECON_COMP", "经济补偿", "economic compensation (N)", "离职该给的经济补偿没给", "I was not paid the compensation due when my job ended", True),
    ("TERM.NOTICE_PAY", "代通知金", "pay in lieu of notice (+1)", "没提前30天通知就解除", "I was dismissed without 30 days' notice", True),
    ("TERM.UNLAWFUL", "违法解除或者终止劳动合同", "unlawful termination", "被违法辞退", "I was dismissed unlawfully", True),
    ("TERM.WORKER_RESIGN_FOR_CAUSE", "劳动者因用人单位过错解除劳动合同", "resignation for the employer's fault", "因单位欠薪、不交社保等原因辞职", "I resigned because my employer owed wages or did not pay social insurance", True),
    ("TERM.MASS_LAYOFF", "经济性裁员", "mass layoff", "单位集体裁员", "My employer is laying off many workers", True),
    ("TERM.PROTECTED", "特殊保护期内解除劳动合同", "termination during a protected period", "怀孕、生病、工伤期间被辞退", "I was dismissed while pregnant, ill or injured", True),
    ("TERM.PAPERS", "离职证明及档案、社会保险关系转移", "termination certificate and transfers", "不给开离职证明或不转档案、社保", "No leaving certificate, or my files or social insurance were not transferred", True),
    ("SI.ARREARS", "未缴、欠缴社会保险费", "unpaid social-insurance contributions", "单位没交或少交社保", "My employer did not pay my social insurance in full", True),
    ("SI.LOSS", "社会保险待遇损失", "lost social-insurance benefits", "因单位没交社保而拿不到待遇", "I lost benefits because social insurance was not paid", True),
    ("SI.RESIGN", "因未缴社会保险解除劳动合同", "resignation over unpaid social insurance", "因单位不交社保而辞职", "I resigned because social insurance was not paid", True),
    ("INJURY.RECOGNITION", "工伤认定", "work-injury recognition", "受伤了，想认定工伤", "I was injured at work and want it recognised", True),
    ("INJURY.ASSESSMENT", "劳动能力鉴定", "work-capacity assessment", "评伤残等级", "I need a disability grade assessed", True),
    ("INJURY.BENEFITS", "工伤保险待遇", "work-injury benefits", "工伤待遇没拿到", "I did not get my work-injury benefits", True),
    ("INJURY.OCC_DISEASE", "职业病", "occupational disease", "因工作得了职业病", "I became ill because of my work", True),
    ("HOURS.EXCESS", "超时加班", "excessive overtime", "加班太多", "I am made to work too much overtime", True),
    ("LEAVE.ANNUAL", "带薪年休假", "paid annual leave", "年假不让休也不给钱", "I get no annual leave and no pay for it", True),
    ("LEAVE.FEMALE", "女职工和未成年工特殊保护", "special protection of women and young workers", "孕期、产假、哺乳期权益，或未满18岁的工人", "Pregnancy, maternity or breastfeeding rights, or workers under 18", True),
    ("REL.CONFIRM", "确认劳动关系", "confirmation of an employment relationship", "单位不承认我是它的职工", "My employer denies that I work for it", True),
    ("REL.DISPATCH", "劳务派遣", "labour dispatch", "派遣工同工不同酬等", "Dispatched workers: unequal pay and similar", True),
    ("REL.SUBCONTRACT", "违法转包、挂靠用工", "unlawful subcontracting or affiliation", "包工头欠钱，找不到用人单位", "A labour contractor owes me money and I cannot find the employer", True),
    ("SAFETY.CONDITIONS", "劳动安全卫生", "occupational safety and health", "工作环境不安全", "My workplace is unsafe", True),
    ("UNION.RETALIATION", "因参加工会活动被解除劳动合同", "dismissal for union activity", "因参加工会活动被辞退", "I was dismissed for union activity", True),
    ("COLLECTIVE.CONTRACT", "集体合同争议", "collective contract dispute", "集体合同争议", "Collective contract dispute", False),
    ("SKILL.ASSESSMENT_PROCESS", "技能等级评价争议", "dispute over a skill assessment", "技能等级考核评价不公", "My skill assessment was unfair", True),
    ("SKILL.GRADE_PAY", "技能等级工资待遇", "grade-linked pay", "评上等级却没有兑现待遇", "I reached a grade but do not get its pay", True),
    ("SKILL.POST_APPOINTMENT", "特级技师、首席技师岗位聘任", "appointment to a principal or chief technician post", "特级、首席技师岗位被取消或降低待遇", "My principal or chief technician post was removed or its pay cut", True),
    ("SKILL.CERT_WITHHELD", "扣押证书或收取费用", "certificate withheld or fees charged", "单位扣证书或收费", "My employer keeps my certificate or charges fees", True),
    ("SKILL.TRAINING_PENALTY", "培训服务期违约金", "training penalty", "培训后离职被要求赔钱（技能等级培训）", "I am asked to pay for skill training after leaving", True),
    ("SKILL.INCOMPETENCE_DISMISSAL", "以不能胜任工作为由解除劳动合同", "dismissal for incompetence", "说我不胜任就辞退", "I was dismissed as not competent", True),
    ("OTHER", "其他", "other", "其他问题", "Something else", True),
]


def ensure_categories(category_model) -> int:
    """Create the categories that are missing (by code); leaves edited rows alone. Returns how
    many were created. Used by the data migration and by tests that flush the database."""
    existing = set(category_model.objects.values_list("code", flat=True))
    new = [
        category_model(
            code=code, name_zh=zh, name_en=en, worker_label_zh=wzh, worker_label_en=wen,
            worker_selectable=selectable, sort_order=order,
        )
        for order, (code, zh, en, wzh, wen, selectable) in enumerate(CATEGORIES)
        if code not in existing
    ]
    category_model.objects.bulk_create(new)
    return len(new)
