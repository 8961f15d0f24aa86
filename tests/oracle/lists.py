"""The disease tables of catalogue §1.3–§1.5, typed in from the catalogue (edition 2024.1).

Each entry: number, id, Chinese name, ICD-10 codes, criterion. "Where no criterion is given,
the code alone decides." Readings (readings.md): `net_grade` is stated only for
neuroendocrine tumours, so an unstated grade means "not a NET"; "without metastasis" needs
`metastasis: false` stated; paralysis's "`limbs_lost` is absent" holds when the report says
nothing or states 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from oracle.codes import Codes
from oracle.criteria import (
    FAILED,
    MET,
    Criterion,
    all_of,
    always,
    any_of,
    at_least,
    at_most,
    below,
    circumstance,
    coded,
    equal,
    finding,
    is_false,
    is_true,
    negated,
    procedure,
    roman_at_least,
    stated_as,
    with_second_diagnosis,
)


@dataclass(frozen=True)
class Definition:
    number: int
    id: str
    name: str
    codes: Codes
    criterion: Criterion
    kind: str = ""  # women's list: invasive / in situ


def d(number: int, id: str, name: str, codes: str, criterion: Criterion = always, kind: str = "") -> Definition:
    return Definition(number, id, name, Codes(codes), criterion, kind)


BEHAVIOUR_MALIGNANT = stated_as("icdo3_behaviour", 3, 6, 9)
NOT_A_NET = FAILED  # an unstated net_grade: the tumour is not neuroendocrine
TUMOUR_EXCEPTIONS = any_of(
    all_of(coded("C73"), stated_as("tnm_stage", "I")),
    all_of(coded("C61"), stated_as("tnm", "T1N0M0")),
    all_of(coded("C44"), is_false("metastasis")),
    all_of(coded("C91.1"), stated_as("binet", "A")),
    all_of(coded("C81"), stated_as("ann_arbor", "I")),
    all_of(finding("net_grade", lambda v: v == "G1", when_unstated=NOT_A_NET), is_false("metastasis")),
)
NO_LIMB_LOST = finding("limbs_lost", lambda v: int(v) == 0, when_unstated=MET)

# §1.3 severe 1–28 (2020 standard) and 29–35 (extensions).
SEVERE = [
    d(1, "malignant-tumour-severe", "恶性肿瘤——重度", "C00–C97", all_of(BEHAVIOUR_MALIGNANT, negated(TUMOUR_EXCEPTIONS))),
    d(2, "ami-severe", "较重急性心肌梗死", "I21–I22", any_of(at_least("troponin_multiple", 15), below("lvef", 50))),
    d(3, "stroke-sequelae-severe", "严重脑中风后遗症", "I60–I64, I69",
      all_of(at_least("days_since_onset", 180), any_of(at_most("limb_strength", 2), is_true("speech_lost"), at_least("adl_lost", 3)))),
    d(4, "major-transplant", "重大器官移植术或造血干细胞移植术", "Z94.0–Z94.4, Z94.8",
      procedure("55.69", "33.5", "37.51", "50.59", "52.8", "41.0")),
    d(5, "cabg", "冠状动脉搭桥术（开胸）", "I20–I25", all_of(procedure("36.1"), is_true("sternotomy"))),  # 2024.1
    d(6, "esrd", "严重慢性肾衰竭", "N18", at_least("dialysis_days", 90)),
    d(7, "multiple-limb-loss", "多个肢体缺失", "T05, Z89", at_least("limbs_lost", 2)),
    d(8, "fulminant-hepatitis", "急性或亚急性重症肝炎", "K72.0"),
    d(9, "benign-brain-tumour-severe", "严重非恶性颅内肿瘤", "D32–D33, D42–D43", procedure("01.5", "92.3")),
    d(10, "chronic-liver-failure", "严重慢性肝衰竭", "K72.1, K74"),
    d(11, "encephalitis-sequelae", "严重脑炎后遗症或严重脑膜炎后遗症", "G00–G05, G09",
      all_of(at_least("days_since_onset", 180), at_least("adl_lost", 3))),
    d(12, "deep-coma", "深度昏迷", "R40.2", all_of(at_most("gcs", 5), at_least("life_support_hours", 96))),
    d(13, "deafness", "双耳失聪", "H90.3, H90.5, H91.9", at_least("hearing_db", 91)),
    d(14, "blindness", "双目失明", "H54.0"),
    d(15, "paralysis", "瘫痪", "G81–G83", all_of(NO_LIMB_LOST, at_most("limb_strength", 2))),
    d(16, "heart-valve-surgery", "心脏瓣膜手术", "I05–I08, I34–I38", procedure("35.1", "35.2")),
    d(17, "alzheimers-severe", "严重阿尔茨海默病", "G30", at_least("adl_lost", 3)),
    d(18, "brain-injury-severe", "严重脑损伤", "S06, T90.5",
      all_of(at_least("days_since_onset", 180), any_of(at_most("limb_strength", 2), at_least("adl_lost", 3)))),
    d(19, "parkinsons-severe", "严重原发性帕金森病", "G20", at_least("adl_lost", 3)),
    d(20, "burns-severe", "严重Ⅲ度烧伤", "T20–T31", at_least("bsa_burn_third_degree", 20)),
    d(21, "pah-severe", "严重特发性肺动脉高压", "I27.0", stated_as("nyha", "III", "IV")),
    d(22, "mnd-severe", "严重运动神经元病", "G12.2", at_least("adl_lost", 3)),
    d(23, "speech-loss", "语言能力丧失", "R47.0", all_of(is_true("speech_lost"), at_least("days_since_onset", 180))),
    d(24, "aplastic-anaemia-severe", "重型再生障碍性贫血", "D61", any_of(procedure("41.0"), at_least("days_since_onset", 180))),
    d(25, "aortic-surgery", "主动脉手术", "I70.0, I71", procedure("38.44", "38.45")),
    d(26, "respiratory-failure", "严重慢性呼吸衰竭", "J96.1", all_of(below("fev1_pct", 30), below("pao2", 50))),
    d(27, "crohns-severe", "严重克罗恩病", "K50", procedure("45.6", "45.7")),
    d(28, "ulcerative-colitis-severe", "严重溃疡性结肠炎", "K51", procedure("45.8")),
    d(29, "multiple-sclerosis", "严重多发性硬化", "G35", at_least("adl_lost", 3)),
    d(30, "poliomyelitis", "严重脊髓灰质炎", "A80", at_most("limb_strength", 2)),
    d(31, "myasthenia-gravis", "严重全身性重症肌无力", "G70.0", at_least("adl_lost", 3)),
    d(32, "cardiomyopathy-severe", "严重原发性心肌病", "I42", stated_as("nyha", "IV")),
    d(33, "lupus-nephritis", "系统性红斑狼疮并发Ⅲ型以上狼疮性肾炎", "M32.1", roman_at_least("lupus_nephritis_class", "III")),
    d(34, "hiv-transfusion", "经输血导致的人类免疫缺陷病毒感染", "B20–B24, Z21", circumstance("hiv_transfusion")),
    d(35, "hiv-occupational", "因职业关系导致的人类免疫缺陷病毒感染", "B20–B24, Z21", circumstance("hiv_occupational")),
]

# §1.3 mild 1–3 (2020 standard) and 4–25 (extensions).
MILD = [
    d(1, "malignant-tumour-mild", "恶性肿瘤——轻度", "C00–C97", all_of(BEHAVIOUR_MALIGNANT, TUMOUR_EXCEPTIONS)),
    d(2, "ami-mild", "较轻急性心肌梗死", "I21–I22"),
    d(3, "stroke-sequelae-mild", "轻度脑中风后遗症", "I60–I64, I69",
      all_of(at_least("days_since_onset", 180), any_of(equal("limb_strength", 3), equal("adl_lost", 2)))),
    d(4, "pci", "冠状动脉介入手术", "I20–I25", procedure("36.06", "36.07")),
    d(5, "minimally-invasive-cabg", "微创冠状动脉搭桥术", "I20–I25",
      all_of(procedure("36.15", "36.16"), is_false("sternotomy"))),  # 2024.1
    d(6, "valve-intervention", "心脏瓣膜介入手术", "I05–I08, I34–I38", procedure("35.05", "35.06")),
    d(7, "aortic-endovascular", "主动脉内手术", "I70.0, I71", procedure("39.71", "39.73")),
    d(8, "pituitary-cyst-aneurysm", "脑垂体瘤、脑囊肿、脑动脉瘤及脑血管瘤", "D35.2, D44.3, G93.0, I67.1",  # 2024.1: no Q28.2
      procedure("07.6", "01.5", "39.72")),
    d(9, "brain-injury-mild", "轻度脑损伤", "S06, T90.5",
      all_of(at_least("days_since_onset", 180), any_of(equal("limb_strength", 3), equal("adl_lost", 2)))),
    d(10, "parkinsons-mild", "轻度原发性帕金森病", "G20", equal("adl_lost", 2)),
    d(11, "mnd-mild", "轻度运动神经元病", "G12.2", equal("adl_lost", 2)),
    d(12, "alzheimers-mild", "轻度阿尔茨海默病", "G30", equal("adl_lost", 2)),
    d(13, "corneal-transplant", "角膜移植", "H18", procedure("11.6")),
    d(14, "vision-impaired", "视力严重受损", "H54.1", at_most("visual_acuity", "0.1")),
    d(15, "hearing-impaired", "听力严重受损", "H90.3, H90.5, H91.9", at_least("hearing_db", 71)),
    d(16, "lung-removal", "单侧肺脏切除", "C34, J43, J47, J98.4", procedure("32.5")),
    d(17, "kidney-removal", "单侧肾脏切除", "N28.1, C64, S37.0", procedure("55.5")),
    d(18, "liver-lobectomy", "肝叶切除", "C22, K76.8, S36.1", procedure("50.3")),
    d(19, "single-limb-loss", "单个肢体缺失", "T05, Z89", equal("limbs_lost", 1)),
    d(20, "burns-mild", "较小面积Ⅲ度烧伤", "T20–T31", at_least("bsa_burn_third_degree", 10)),
    d(21, "aplastic-anaemia-mild", "可逆性再生障碍性贫血", "D61"),
    d(22, "ulcerative-colitis-moderate", "中度溃疡性结肠炎", "K51"),
    d(23, "crohns-moderate", "中度克罗恩病", "K50"),
    d(24, "cardiomyopathy-early", "早期原发性心肌病", "I42", stated_as("nyha", "III")),
    d(25, "deep-coma-mild", "较轻昏迷", "R40.2", all_of(at_most("gcs", 8), at_least("life_support_hours", 48))),
]

# §1.4 women workers' special diseases.
WOMEN = [
    d(1, "cervical-cancer", "子宫颈癌", "C53", kind="invasive"),
    d(2, "fallopian-tube-cancer", "输卵管癌", "C57.0", kind="invasive"),
    d(3, "endometrial-cancer", "子宫内膜癌", "C54.1", kind="invasive"),
    d(4, "choriocarcinoma", "绒毛膜癌", "C58", kind="invasive"),
    d(5, "breast-cancer", "乳腺癌", "C50", kind="invasive"),
    d(6, "vulvar-vaginal-cancer", "原发性外阴癌、阴道癌", "C51, C52", kind="invasive"),
    d(7, "uterine-sarcoma", "原发性子宫肉瘤", "C54.2, C54.3, C54.8, C54.9, C55", kind="invasive"),
    d(8, "ovarian-cancer", "原发性卵巢癌", "C56", kind="invasive"),
    d(9, "breast-in-situ", "乳腺原位癌", "D05", kind="in situ"),
    d(10, "cervical-in-situ", "子宫颈原位癌", "D06", kind="in situ"),
    d(11, "lupus", "系统性红斑狼疮", "M32", kind="invasive"),
    d(12, "thyroid-cancer", "甲状腺癌", "C73", kind="invasive"),
]

# §1.5 high-altitude diseases (the plateau rider).
PLATEAU = [
    d(1, "hape", "高原肺水肿", "T70.2", with_second_diagnosis("J81")),
    d(2, "hace", "高原脑水肿", "T70.2", with_second_diagnosis("G93.6")),
    d(3, "chronic-mountain-sickness", "慢性高原病（高原红细胞增多症）", "D75.1"),
    d(4, "high-altitude-heart-disease", "高原性心脏病", "I27.8"),
    d(5, "high-altitude-hypertension", "高原性高血压", "I10–I15"),
    d(6, "high-altitude-hypotension", "高原性低血压", "I95.8"),
    d(7, "high-altitude-deterioration", "高原衰退症", "T70.2", negated(with_second_diagnosis("J81, G93.6"))),
    d(8, "high-altitude-retinopathy", "高原视网膜病", "H35.0"),
    d(9, "pulmonary-hypertension", "肺动脉高压", "I27.2"),
    d(10, "copd", "慢性阻塞性肺疾病", "J44"),
    d(11, "cor-pulmonale", "慢性肺源性心脏病", "I27.9"),
    d(12, "echinococcosis", "包虫病", "B67"),
    d(13, "kashin-beck", "大骨节病", "M12.1"),
]

LISTS = {"critical-illness-severe": SEVERE, "critical-illness-mild": MILD,
         "female-special-disease": WOMEN, "high-altitude": PLATEAU}
