"""Tables the demo builder draws from: places, organisations, names, teams, QI projects.

The partnership is invented (Avonvale is not a real ICS and no organisation here is
real) but it sits on real Wiltshire geography, so distances, localities and travel
radii behave the way they would in a county ICS.
"""

from __future__ import annotations

from typing import NamedTuple

SYSTEM_NAME = "Avonvale Integrated Care System"
EMAIL_DOMAIN = "demo.hexqi.org"

# town: (locality, latitude, longitude)
TOWNS: dict[str, tuple[str, float, float]] = {
    "Swindon": ("North", 51.5558, -1.7797),
    "Highworth": ("North", 51.6302, -1.7118),
    "Wroughton": ("North", 51.5232, -1.7939),
    "Cricklade": ("North", 51.6402, -1.8566),
    "Royal Wootton Bassett": ("North", 51.5404, -1.9043),
    "Purton": ("North", 51.5887, -1.8682),
    "Chippenham": ("West", 51.4585, -2.1165),
    "Corsham": ("West", 51.4310, -2.1862),
    "Calne": ("West", 51.4380, -2.0040),
    "Malmesbury": ("West", 51.5843, -2.0981),
    "Bradford on Avon": ("West", 51.3470, -2.2510),
    "Melksham": ("West", 51.3730, -2.1380),
    "Trowbridge": ("West", 51.3190, -2.2080),
    "Westbury": ("West", 51.2600, -2.1870),
    "Warminster": ("West", 51.2050, -2.1800),
    "Devizes": ("Kennet", 51.3510, -1.9960),
    "Marlborough": ("Kennet", 51.4200, -1.7290),
    "Pewsey": ("Kennet", 51.3410, -1.7660),
    "Tidworth": ("Kennet", 51.2410, -1.6630),
    "Ludgershall": ("Kennet", 51.2550, -1.6240),
    "Market Lavington": ("Kennet", 51.2860, -1.9810),
    "Salisbury": ("South", 51.0688, -1.7945),
    "Amesbury": ("South", 51.1730, -1.7800),
    "Wilton": ("South", 51.0790, -1.8620),
    "Downton": ("South", 50.9930, -1.7450),
    "Tisbury": ("South", 51.0610, -2.0780),
    "Mere": ("South", 51.0900, -2.2660),
}

# The far south-west corner: an in-person request here finds no coach within travel range.
REMOTE_TOWN = "Mere"


class PartnerSpec(NamedTuple):
    key: str  # short slug, also the email subdomain
    name: str
    kind: str  # OrgKind value
    town: str
    headcount: int
    targets: tuple[float, float, float]  # learn, live, lead (% of staff)
    coaches: int  # at scale 1
    teams: int  # at scale 1
    learners: int  # extra Learn-tier staff (training attendees not in a team) at scale 1


TRUST_TARGETS = (20.0, 5.0, 0.5)
PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec("icb", "Avonvale Integrated Care Board", "icb", "Devizes", 420,
                (40.0, 12.0, 3.0), 9, 1, 10),
    PartnerSpec("northgate", "Northgate Hospitals NHS Foundation Trust", "acute_trust",
                "Swindon", 5400, TRUST_TARGETS, 11, 14, 55),
    PartnerSpec("southvale", "Southvale Hospital NHS Foundation Trust", "acute_trust",
                "Salisbury", 4100, TRUST_TARGETS, 9, 12, 45),
    PartnerSpec("community", "Avonvale Community Health NHS Trust", "community_trust",
                "Trowbridge", 1900, TRUST_TARGETS, 6, 8, 25),
    PartnerSpec("mentalhealth", "Downs and Vale Mental Health Partnership NHS Trust",
                "mental_health_trust", "Chippenham", 2700, TRUST_TARGETS, 6, 8, 30),
    PartnerSpec("ambulance", "Wessex Downs Ambulance Service NHS Foundation Trust",
                "ambulance_trust", "Amesbury", 3100, (15.0, 4.0, 0.5), 3, 4, 20),
    PartnerSpec("county", "Avonvale County Council", "local_authority", "Trowbridge", 4800,
                (10.0, 2.0, 0.2), 3, 5, 20),
    PartnerSpec("borough", "Northgate Borough Council", "local_authority", "Swindon", 2600,
                (10.0, 2.0, 0.2), 1, 3, 10),
    PartnerSpec("hospice", "St Aldhelm's Hospice", "hospice", "Malmesbury", 210,
                (30.0, 8.0, 1.0), 1, 3, 6),
    PartnerSpec("university", "University of Avonvale", "university", "Swindon", 1600,
                (15.0, 5.0, 2.0), 6, 0, 10),
    PartnerSpec("voluntary", "Avonvale Voluntary Sector Alliance", "voluntary_sector",
                "Devizes", 140, (25.0, 5.0, 1.0), 1, 2, 4),
)
PRACTICE_TARGETS = (25.0, 6.0, 1.0)
PRACTICE_COACHES = 4  # GP QI leads, at scale 1
PRACTICE_TEAMS = 60
PRACTICE_LEARNERS = 60

# (name, email subdomain, town). Interleaved by locality so a smaller demo still spans the
# county; the remote practice comes early so it is always present.
PRACTICES: tuple[tuple[str, str, str], ...] = (
    ("Brunel Square Surgery", "brunel-square", "Swindon"),
    ("Avon Bank Surgery", "avon-bank", "Chippenham"),
    ("Market Cross Surgery", "market-cross", "Devizes"),
    ("Mere Down Surgery", "mere-down", "Mere"),
    ("Railway Village Practice", "railway-village", "Swindon"),
    ("Monkton Park Practice", "monkton-park", "Chippenham"),
    ("Savernake Surgery", "savernake", "Marlborough"),
    ("Cathedral Close Practice", "cathedral-close", "Salisbury"),
    ("Lydiard Fields Medical Centre", "lydiard-fields", "Swindon"),
    ("Pickwick Surgery", "pickwick", "Corsham"),
    ("Caen Hill Practice", "caen-hill", "Devizes"),
    ("Harnham Meadows Surgery", "harnham-meadows", "Salisbury"),
    ("Coate Water Surgery", "coate-water", "Swindon"),
    ("Marden Vale Practice", "marden-vale", "Calne"),
    ("Kennet Bank Medical Centre", "kennet-bank", "Marlborough"),
    ("Five Rivers Medical Centre", "five-rivers", "Salisbury"),
    ("Westlea Family Practice", "westlea", "Swindon"),
    ("Abbey Row Surgery", "abbey-row", "Malmesbury"),
    ("Vale of Pewsey Practice", "vale-of-pewsey", "Pewsey"),
    ("Old Sarum Practice", "old-sarum", "Salisbury"),
    ("Highworth Hill Surgery", "highworth-hill", "Highworth"),
    ("Kingston Mill Surgery", "kingston-mill", "Bradford on Avon"),
    ("Garrison Health Centre", "garrison", "Tidworth"),
    ("Stonehenge Road Surgery", "stonehenge-road", "Amesbury"),
    ("Wroughton Downs Practice", "wroughton-downs", "Wroughton"),
    ("Spa Road Practice", "spa-road", "Melksham"),
    ("Castle Mound Surgery", "castle-mound", "Ludgershall"),
    ("Countess Surgery", "countess", "Amesbury"),
    ("Thames Head Surgery", "thames-head", "Cricklade"),
    ("County Way Medical Centre", "county-way", "Trowbridge"),
    ("Lavington Downs Surgery", "lavington-downs", "Market Lavington"),
    ("Wilton Abbey Surgery", "wilton-abbey", "Wilton"),
    ("Bassett Lane Medical Centre", "bassett-lane", "Royal Wootton Bassett"),
    ("Biss Brook Surgery", "biss-brook", "Trowbridge"),
    ("New Court Surgery", "new-court", "Downton"),
    ("Purton Green Surgery", "purton-green", "Purton"),
    ("White Horse Practice", "white-horse", "Westbury"),
    ("Nadder Valley Practice", "nadder-valley", "Tisbury"),
    ("Hardenhuish Medical Centre", "hardenhuish", "Chippenham"),
    ("Minster Close Surgery", "minster-close", "Warminster"),
)

FIRST_NAMES = (
    "Aisha", "Alex", "Amara", "Amelia", "Andrew", "Anita", "Ben", "Bethan", "Callum", "Carys",
    "Chloe", "Chidi", "Claire", "Daniel", "David", "Deepa", "Eilidh", "Elena", "Emma", "Farah",
    "Fiona", "Gareth", "Grace", "Hannah", "Harjit", "Helen", "Imran", "Isla", "Jack", "James",
    "Jasmine", "Joanna", "Kate", "Kemi", "Kieran", "Laura", "Leon", "Lucy", "Maria", "Mark",
    "Megan", "Mohammed", "Nadia", "Naomi", "Neil", "Niamh", "Oliver", "Olu", "Paul", "Priya",
    "Rachel", "Rebecca", "Rhys", "Rosa", "Ruth", "Sam", "Sarah", "Shona", "Simon", "Sofia",
    "Sunita", "Tariq", "Tom", "Tomasz", "Una", "Vikram", "Wendy", "Yasmin", "Zainab", "Zoe",
)
LAST_NAMES = (
    "Adams", "Ahmed", "Akhtar", "Baker", "Banerjee", "Bell", "Bennett", "Bishop", "Brown",
    "Campbell", "Carter", "Chan", "Clarke", "Collins", "Cooper", "Davies", "Edwards", "Evans",
    "Fisher", "Fletcher", "Foster", "Gill", "Gordon", "Green", "Hall", "Harris", "Hughes",
    "Hussain", "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kaur", "Kelly", "Khan",
    "Kowalski", "Lewis", "Lloyd", "Marsh", "Martin", "Mensah", "Mitchell", "Moore", "Morgan",
    "Murphy", "Nowak", "Obi", "O'Brien", "Okafor", "Owen", "Parker", "Patel", "Phillips",
    "Price", "Quinn", "Rahman", "Reid", "Roberts", "Robinson", "Shah", "Sharma", "Singh",
    "Smith", "Taylor", "Thomas", "Turner", "Walker", "Ward", "Watson", "White", "Williams",
    "Wilson", "Wood", "Wright", "Young",
)

# Job titles by the family of the organisation kind.
FAMILY = {
    "gp_practice": "practice", "primary_care_network": "practice",
    "acute_trust": "acute", "community_trust": "community",
    "mental_health_trust": "mental_health", "ambulance_trust": "ambulance",
    "local_authority": "council", "hospice": "hospice", "university": "university",
    "voluntary_sector": "voluntary", "icb": "icb",
}
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "practice": ("GP partner", "Salaried GP", "Practice nurse", "Practice manager",
                 "Receptionist", "Healthcare assistant", "Clinical pharmacist",
                 "Care coordinator", "Advanced nurse practitioner"),
    "acute": ("Staff nurse", "Ward sister", "Consultant physician", "Specialty registrar",
              "Physiotherapist", "Healthcare assistant", "Ward clerk", "Matron",
              "Occupational therapist", "Clinic coordinator"),
    "community": ("District nurse", "Community matron", "Physiotherapist", "Podiatrist",
                  "Occupational therapist", "Team administrator", "Speech and language therapist"),
    "mental_health": ("Psychological wellbeing practitioner", "Community psychiatric nurse",
                      "Clinical psychologist", "Support worker", "Consultant psychiatrist",
                      "Team manager", "Peer support worker"),
    "ambulance": ("Paramedic", "Emergency medical technician", "Clinical hub nurse",
                  "Call handler", "Control room supervisor"),
    "council": ("Social worker", "Reablement worker", "Team manager", "Public health officer",
                "Commissioning officer", "Housing officer", "Occupational therapist"),
    "hospice": ("Hospice nurse", "Palliative care consultant", "Family support worker",
                "Healthcare assistant", "Bereavement coordinator"),
    "university": ("Senior lecturer", "Research fellow", "Lecturer in nursing"),
    "voluntary": ("Social prescribing link worker", "Volunteer coordinator",
                  "Project officer"),
    "icb": ("Commissioning manager", "Medicines optimisation pharmacist", "Analyst",
            "Programme manager", "Quality lead"),
}
COACH_TITLES: dict[str, tuple[str, ...]] = {
    "practice": ("GP partner and QI lead", "Practice nurse and QI lead"),
    "acute": ("Quality improvement lead", "Improvement advisor", "Consultant physician",
              "Matron for quality", "Clinical pharmacist", "Data analyst"),
    "community": ("Quality improvement facilitator", "Community matron", "Improvement advisor"),
    "mental_health": ("Quality improvement coach", "Clinical psychologist",
                      "Head of improvement"),
    "ambulance": ("Clinical quality improvement lead", "Consultant paramedic"),
    "council": ("Service improvement manager", "Transformation lead"),
    "hospice": ("Director of nursing and quality",),
    "university": ("Senior lecturer in healthcare improvement", "Professor of improvement "
                   "science", "Research fellow in quality improvement"),
    "voluntary": ("Partnership and improvement lead",),
    "icb": ("Head of quality improvement", "Improvement advisor", "Senior analyst",
            "Clinical lead for improvement", "Transformation programme manager"),
}

TEAM_NAMES: dict[str, tuple[str, ...]] = {
    "practice": ("Reception and access", "Long-term conditions", "Prescribing and medicines",
                 "Practice nursing", "Care coordination"),
    "acute": ("Ward 7 (acute medicine)", "Diabetes outpatients", "Emergency department",
              "Discharge lounge", "Theatres", "Maternity triage", "Frailty unit", "Stroke unit",
              "Outpatient booking", "Inpatient pharmacy", "Radiology", "Children's ward",
              "Cardiology clinic", "Endoscopy", "Same-day emergency care", "Fracture clinic"),
    "community": ("District nursing (North)", "District nursing (South)", "Community rehab",
                  "Podiatry", "Wheelchair service", "Tissue viability", "Rapid response",
                  "Children's community nursing", "Speech and language therapy"),
    "mental_health": ("Talking therapies", "Crisis resolution", "Early intervention in psychosis",
                      "Older adults' ward", "Perinatal mental health", "CAMHS access",
                      "Community mental health team (South)", "Eating disorders service",
                      "Liaison psychiatry"),
    "ambulance": ("Clinical hub", "Control room", "Hear and treat", "Falls response",
                  "Patient transport"),
    "council": ("Adult social care front door", "Reablement", "Stop smoking service",
                "Early help for families", "Housing adaptations", "Housing options",
                "Carers support", "Active health and leisure"),
    "hospice": ("Inpatient unit", "Hospice at home", "Bereavement support"),
    "voluntary": ("Social prescribing link workers", "Befriending service",
                  "Community transport"),
    "icb": ("Medicines optimisation",),
    "university": ("Clinical skills centre",),
}


class ProjectSpec(NamedTuple):
    title: str
    aim: str
    skills: dict[str, int]
    # measure: name, unit, baseline, direction (-1 lower is better, +1 higher is better)
    measure: tuple[str, str, float, int] | None


P = ProjectSpec
PROJECTS: dict[str, tuple[ProjectSpec, ...]] = {
    "practice": (
        P("Reduce did-not-attends for nurse appointments",
          "Cut DNAs for practice nurse appointments from 9% to 5% by March.",
          {"pdsa": 1, "measurement": 1}, ("Nurse appointment DNA rate", "%", 9.0, -1)),
        P("Same-day access without the 8am rush",
          "Answer 90% of calls within 3 minutes at 8am while keeping same-day capacity.",
          {"demand-capacity": 2, "process-mapping": 1},
          ("Calls answered within 3 minutes", "%", 54.0, 1)),
        P("Annual reviews for people with diabetes",
          "Complete annual reviews, including foot checks, for 85% of people with diabetes.",
          {"model-for-improvement": 1, "measurement": 1},
          ("Diabetes reviews completed", "%", 61.0, 1)),
        P("Safer repeat prescribing of opioids",
          "Halve the number of long-term opioid prescriptions without a review in 12 months.",
          {"pdsa": 1, "data-analysis": 1}, ("Opioid prescriptions overdue review", "count",
                                            48.0, -1)),
        P("Improve childhood immunisation uptake",
          "Reach 95% MMR uptake at 24 months by calling families we have not seen.",
          {"pdsa": 1, "coproduction": 1}, ("MMR uptake at 24 months", "%", 88.0, 1)),
        P("Cut the backlog of hospital letters",
          "Process every hospital letter within two working days.",
          {"lean": 1, "process-mapping": 1}, ("Letters older than 2 days", "count", 140.0, -1)),
        P("Better care plans for housebound patients",
          "Give every housebound patient with frailty a shared care plan.",
          {"coproduction": 1, "coaching": 1}, None),
        P("Reduce inhaler carbon footprint",
          "Switch suitable patients to dry-powder inhalers, cutting metered-dose inhalers by 30%.",
          {"model-for-improvement": 1, "measurement": 1},
          ("Metered-dose inhaler share", "%", 68.0, -1)),
        P("Streamline the new-patient registration process",
          "Register new patients in one visit, online or in person, within 48 hours.",
          {"process-mapping": 1, "lean": 1}, None),
    ),
    "acute": (
        P("Improve discharge before noon on ward 7",
          "Discharge 33% of ward 7 patients before midday, to free beds for the morning take.",
          {"process-mapping": 2, "pdsa": 1, "measurement": 1},
          ("Discharges before noon", "%", 14.0, 1)),
        P("Reduce DNAs in the diabetes clinic",
          "Reduce the diabetes outpatient did-not-attend rate from 14% to 8%.",
          {"pdsa": 1, "measurement": 1, "coproduction": 1}, ("Clinic DNA rate", "%", 14.0, -1)),
        P("Faster time to antibiotics for sepsis",
          "Give 90% of patients with suspected sepsis antibiotics within one hour of arrival.",
          {"model-for-improvement": 2, "spc": 2}, ("Antibiotics within 1 hour", "%", 71.0, 1)),
        P("Fewer inpatient falls on the frailty unit",
          "Reduce falls per 1,000 bed days by a third on the frailty unit.",
          {"human-factors": 2, "pdsa": 1}, ("Falls per 1,000 bed days", "rate", 7.2, -1)),
        P("First-case theatre starts on time",
          "Start 85% of first cases within 15 minutes of the planned time.",
          {"lean": 2, "process-mapping": 1}, ("First cases started on time", "%", 46.0, 1)),
        P("Reduce waiting for outpatient follow-up",
          "Use patient-initiated follow-up to cut the follow-up backlog by a quarter.",
          {"demand-capacity": 2, "data-analysis": 1},
          ("Patients overdue follow-up", "count", 1850.0, -1)),
        P("Timely observations for deteriorating patients",
          "Complete NEWS2 observations on time for 95% of patients.",
          {"spc": 1, "measurement": 2}, ("Observations on time", "%", 78.0, 1)),
        P("Reduce medication omissions",
          "Halve omitted time-critical medicines on the stroke unit.",
          {"human-factors": 1, "pdsa": 1}, ("Omitted critical doses", "count", 36.0, -1)),
        P("Faster ambulance handovers",
          "Hand over 95% of ambulance patients within 30 minutes.",
          {"process-mapping": 1, "demand-capacity": 1},
          ("Handovers within 30 minutes", "%", 63.0, 1)),
        P("Improve staff experience on night shifts",
          "Raise the 'I would recommend this ward as a place to work' score on nights.",
          {"joy-in-work": 1, "facilitation": 1}, None),
    ),
    "community": (
        P("Fewer missed district nursing visits",
          "Reduce visits rescheduled on the day from 12% to 5%.",
          {"demand-capacity": 1, "pdsa": 1}, ("Visits rescheduled on the day", "%", 12.0, -1)),
        P("Heal pressure ulcers faster at home",
          "Increase category 2 pressure ulcers healed within 28 days to 70%.",
          {"measurement": 1, "pdsa": 1}, ("Healed within 28 days", "%", 48.0, 1)),
        P("Shorter waits for wheelchair assessment",
          "See 80% of referrals within 18 weeks.",
          {"demand-capacity": 1, "process-mapping": 1}, ("Seen within 18 weeks", "%", 52.0, 1)),
        P("Rapid response within two hours",
          "Reach 80% of urgent community response referrals within two hours.",
          {"model-for-improvement": 1, "spc": 1}, ("Reached within 2 hours", "%", 69.0, 1)),
        P("Reduce paperwork for community therapists",
          "Give therapists back an hour a day by removing duplicate recording.",
          {"lean": 1, "joy-in-work": 1}, None),
    ),
    "mental_health": (
        P("Faster access to talking therapies",
          "Start treatment within six weeks of referral for 75% of people.",
          {"demand-capacity": 1, "model-for-improvement": 1},
          ("Treatment started within 6 weeks", "%", 58.0, 1)),
        P("Reduce restrictive practice on the older adults' ward",
          "Cut the use of restraint by half through safety huddles and activity planning.",
          {"human-factors": 1, "pdsa": 1, "coproduction": 1},
          ("Restraint incidents per month", "count", 18.0, -1)),
        P("Physical health checks for people with psychosis",
          "Complete all six physical health checks for 75% of people on the caseload.",
          {"measurement": 1, "pdsa": 1}, ("Full health checks", "%", 41.0, 1)),
        P("Co-design the crisis care pathway",
          "Redesign the crisis pathway with people who have used it.",
          {"coproduction": 2, "facilitation": 1}, None),
        P("Fewer cancelled CAMHS appointments",
          "Reduce clinic cancellations by the service to under 3%.",
          {"pdsa": 1, "data-analysis": 1}, ("Service cancellations", "%", 7.5, -1)),
    ),
    "ambulance": (
        P("Hear and treat more low-acuity calls",
          "Resolve 15% of category 5 calls with telephone advice safely.",
          {"model-for-improvement": 1, "measurement": 1}, ("Calls resolved by phone", "%",
                                                           9.0, 1)),
        P("Falls response without conveyance",
          "Treat more fallers at home and convey fewer to the emergency department.",
          {"pdsa": 1, "spc": 1}, ("Fallers conveyed to ED", "%", 62.0, -1)),
        P("Cut time lost at hospital handover",
          "Reduce crew hours lost at handover by a quarter.",
          {"process-mapping": 1, "demand-capacity": 1}, ("Hours lost per week", "hours", 310.0,
                                                         -1)),
    ),
    "council": (
        P("Reablement that starts within 48 hours",
          "Start reablement within 48 hours of hospital discharge for 80% of people.",
          {"process-mapping": 1, "pdsa": 1}, ("Started within 48 hours", "%", 55.0, 1)),
        P("Quicker housing adaptations",
          "Halve the average wait from assessment to completed adaptation.",
          {"lean": 1, "process-mapping": 1}, ("Average wait", "weeks", 22.0, -1)),
        P("Increase quit rates at the stop smoking service",
          "Raise four-week quit rates from 45% to 60%.",
          {"pdsa": 1, "measurement": 1}, ("Four-week quit rate", "%", 45.0, 1)),
        P("Front door conversations that prevent crises",
          "Resolve more first contacts with advice and community support.",
          {"coaching": 1, "coproduction": 1}, None),
    ),
    "hospice": (
        P("Advance care plans shared with the GP",
          "Share 90% of advance care plans with the patient's GP within a week.",
          {"pdsa": 1, "process-mapping": 1}, ("Plans shared within a week", "%", 60.0, 1)),
        P("Preferred place of death achieved",
          "Help more people die in the place they chose.",
          {"measurement": 1, "coproduction": 1}, ("Preferred place achieved", "%", 72.0, 1)),
        P("Bereavement follow-up for every family",
          "Contact every bereaved family within six weeks.",
          {"model-for-improvement": 1}, None),
    ),
    "voluntary": (
        P("Social prescribing referrals that stick",
          "Increase the share of referred people who attend a second session to 70%.",
          {"pdsa": 1, "coproduction": 1}, ("Attended a second session", "%", 48.0, 1)),
        P("Match volunteers to befriending requests faster",
          "Match new befriending requests to a volunteer within two weeks.",
          {"process-mapping": 1, "project-management": 1}, None),
    ),
    "icb": (
        P("Reduce antibiotic prescribing across primary care",
          "Bring broad-spectrum antibiotic prescribing below the national target.",
          {"data-analysis": 1, "spc": 1}, ("Broad-spectrum share", "%", 11.5, -1)),
    ),
    "university": (
        P("Better placement feedback for student nurses",
          "Act on placement feedback within a month.",
          {"pdsa": 1}, None),
    ),
}

# How many coaches offer each skill, relatively (rare methods are rare).
SKILL_POPULARITY: dict[str, float] = {
    "pdsa": 10, "model-for-improvement": 9, "measurement": 8, "process-mapping": 6,
    "coaching": 6, "driver-diagrams": 5, "facilitation": 5, "lean": 4,
    "project-management": 4, "data-analysis": 3, "coproduction": 3, "spread-sustain": 2,
    "joy-in-work": 2, "spc": 2, "demand-capacity": 1.5, "human-factors": 1.5,
}
# Core methods nearly every Lead-tier coach teaches (slug, share of coaches).
CORE_SKILLS: tuple[tuple[str, float], ...] = (
    ("pdsa", 0.9), ("model-for-improvement", 0.7), ("measurement", 0.6))
# Nobody in the demo reaches level 3 in these, so a request for level 3 cannot be served.
SCARCE_AT_LEVEL_3 = ("human-factors", "demand-capacity")

TRAINING: tuple[tuple[str, str], ...] = (
    ("Introduction to the Model for Improvement", "model-for-improvement"),
    ("PDSA cycles in practice", "pdsa"),
    ("Run charts for beginners", "measurement"),
    ("Process mapping half-day", "process-mapping"),
    ("Measurement for improvement", "measurement"),
    ("QI foundations (bronze)", "model-for-improvement"),
    ("Driver diagrams workshop", "driver-diagrams"),
    ("Facilitating improvement huddles", "facilitation"),
    ("Co-producing with patients", "coproduction"),
    ("Coaching conversations for team leaders", "coaching"),
    ("Making sense of your data", "data-analysis"),
    ("Lean thinking for busy teams", "lean"),
)

FEEDBACK = (
    "Really practical, we left with a plan for next week.",
    "Helped us see the problem from the patient's side.",
    "Good challenge on our measures.",
    "The process map was an eye-opener.",
    "Clear and encouraging, thank you.",
    "We needed more time on the data.",
    "Great to have someone from outside ask the obvious questions.",
)
WITHDRAW_REASONS = (
    "Ward closed over winter; we will ask again in the spring.",
    "Project lead on long-term leave.",
    "We found support inside the practice.",
    "Priorities changed after the CQC visit.",
)
DECLINE_REASONS = (
    "No capacity until next month, sorry.",
    "I am too close to this team; someone else would be better.",
    "Clashes with my clinic days.",
)
BIOS = (
    "I have led improvement work on patient flow for ten years and love helping teams test "
    "small changes.",
    "Former ward sister; I coach teams through their first PDSA cycles.",
    "Analyst turned improver: I help teams make sense of their data with run charts.",
    "I teach QI to students and enjoy getting out to real teams.",
    "GP with a special interest in access and continuity.",
    "I work across health and social care on co-production and spread.",
)
