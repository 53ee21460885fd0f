"""Crisis check that runs before anything else: an emergency in a person's message.

Kinds: an overdose happening now, a child who swallowed medicine or drugs, a medical
emergency, thoughts of suicide, sexual assault, someone being hurt. Each gets its
emergency line first, whatever else the message says; `assess` also names what to answer
after it (the Good Samaritan law for "...will I get arrested if I call", 988 after an
overdose that was meant).

English and Spanish (the Spanish patterns are at the end of this file); both run on every
message. Pure Python (no Rasa), so the NLU component in rasa_addons/ and the gateway share
it. It is deliberately eager: a missed emergency costs more than an unneeded "call 911". Questions
asked ahead of time ("what are the signs of an overdose"), past overdoses ("my brother died
of an overdose last year") and plain negations ("I'm not suicidal") do not fire.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Pattern, Tuple

OVERDOSE_NOW = "overdose_now"
CHILD_POISONING = "child_poisoning"
MEDICAL_EMERGENCY = "medical_emergency"
SUICIDE = "suicide"
SEXUAL_ASSAULT = "sexual_assault"
VIOLENCE = "violence"
# When several fire, the first of these is answered first.
PRIORITY = (OVERDOSE_NOW, CHILD_POISONING, MEDICAL_EMERGENCY, SUICIDE, SEXUAL_ASSAULT, VIOLENCE)
GOOD_SAMARITAN = "law/good_samaritan"

# Whole-token respellings people use in a hurry (after punctuation is removed).
_TOKEN_MAP: Dict[str, str] = {
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "im": "i am",
    "ive": "i have",
    "isnt": "is not",
    "aint": "is not",
    "arent": "are not",
    "wont": "will not",
    "cant": "can not",
    "cannot": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "wasnt": "was not",
    "n": "and",
    "u": "you",
    "r": "are",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "plss": "please",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "bro": "brother",
    "sis": "sister",
    "oding": "overdosing",
    "odding": "overdosing",
    "odin": "overdosing",
    "odng": "overdosing",
    "oded": "overdosed",
    "stoped": "stopped",
    "stopd": "stopped",
    "stoppd": "stopped",
    "odd": "od",
    "ods": "od",
    "odeing": "overdosing",
    "breathin": "breathing",
    "noddin": "nodding",
    "passd": "passed",
    "bc": "because",
    "breatin": "breathing",
    "brething": "breathing",
    "breating": "breathing",
    "breahting": "breathing",
    "breathng": "breathing",
    "breathign": "breathing",
    "breth": "breath",
    "narcon": "narcan",
    "narcen": "narcan",
    "nalaxone": "naloxone",
    "noloxone": "naloxone",
    "unalive": "kill",
    "kil": "kill",
    "kms": "kill myself",
    "wanna": "want to",
    "gonna": "going to",
    "myslef": "myself",
    "myelf": "myself",
    "mysef": "myself",
    "suicidle": "suicidal",
    "suisidal": "suicidal",
    "sucidal": "suicidal",
    "sucide": "suicide",
    "suiside": "suicide",
    "suicde": "suicide",
    "wakin": "waking",
    "respondin": "responding",
    "movin": "moving",
    "blu": "blue",
    "purp": "purple",
}

# Words the fuzzy matcher may correct a misspelling to (long words only).
_VOCAB: Tuple[str, ...] = (
    "breathing",
    "breathe",
    "unresponsive",
    "responding",
    "respond",
    "overdosing",
    "overdosed",
    "overdose",
    "suicidal",
    "suicide",
    "myself",
    "gurgling",
    "snoring",
    "unconscious",
    "waking",
    "naloxone",
    "narcan",
    "purple",
    "anymore",
    "pinpoint",
)

_PERSON = (
    r"(?:he|she|they|someone|somebody|friend|my \w+|boyfriend|girlfriend|brother|sister|"
    r"son|daughter|mom|dad|husband|wife|partner|roommate|man|guy|girl|baby|kid|this \w+|"
    r"someones|somebodys|a guy|a woman|"
    r"i|i am|we)"
)

# Signs of an overdose described as they are now.
_OVERDOSE_STRONG: Tuple[str, ...] = (
    r"\b(?:not|no|stopped|stop|barely|hardly|(?<!\bi )can not|will not|is not|no longer) "
    r"breath(?:ing|e|es)?\b",
    r"\bbreathing (?:like|only|maybe) (?:once|twice|\w+ times)\b",
    r"\bbreathing (?:is )?(?:stopped|really slow|so slow|very slow|weird|shallow)\b",
    r"\b(?:will not|can not|could not|not|wont|does not|did not) (?:wake|waking|wakeup)\b",
    r"\bcan not (?:get|wake) (?:\w+ ){0,2}(?:to )?(?:wake|respond|breathe|answer|up)\b",
    r"\b(?:eyes (?:are )?rolled back|eyes rolling back|foaming at the mouth|foam coming out|"
    r"fading fast)\b",
    r"\b(?:is|shes|hes|she is|he is|now|and) gurgling\b",
    r"\b(?:narcan|naloxone)\b.*\bstill (?:out|blue|not|down|unconscious|asleep|limp)\b",
    r"\b(?:collapsed|fell over|dropped|slumped|went down)\b.*\b(?:shot|used|needle|pills|"
    r"baggie|bag|high|dope|fent|fentanyl|heroin|snorted|smoked)\b",
    r"\b(?:shot|used|needle|pills|baggie|dope|fent|fentanyl|heroin|snorted|smoked)\b.*"
    r"\b(?:collapsed|fell over|slumped over|went down)\b",
    r"\b(?:not|will not|can not|is not) (?:respond|responding|responsive|moving|conscious)\b",
    r"\b(?:unresponsive|unconscious|out cold|no pulse|body is limp|gone limp|went limp)\b",
    r"\bcan not (?:find|feel) (?:a |his |her |their )?(?:pulse|heartbeat)\b",
    r"\b(?:lips|face|fingers|fingertips|nails|skin|he|she|they|is|are|turning|going|gone|went|"
    r"been) (?:are |is |look |looks |turning |going )?(?:blue|purple|gray|grey|ashen)\b",
    r"\bturn(?:ing|ed)? (?:blue|purple|gray|grey)\b",
    r"\b(?:gurgling|snoring|choking) (?:sound|sounds|noise|noises)\b",
    r"\bmaking (?:a |these |weird )?(?:gurgling|snoring) \w*",
    r"\b(?:narcan|naloxone) (?:is not|isnt|not) (?:working|helping)\b",
    r"\b(?:narcan|naloxone) (?:did not|didnt) (?:work|help)\b(?! on (?:fentanyl|tranq|xylazine))"
    r"(?=.*\b(?:him|her|them|still|now|help)\b)",
    r"\b(?:nodding|noding) (?:out|off) (?:hard|bad|really|again|and can not|and will not)",
    r"\b(?:passed|pass) out\b.*\b(?:took|used|pills|shot|snorted|smoked|baggie|needle|"
    r"powder|foil|pipe|foam)\b",
    r"\b(?:took|used|pills|shot|snorted|smoked|baggie|needle)\b.*\b(?:passed|pass) out\b",
    r"\b(?:someone|somebody|a guy|a man|a woman|a girl|my \w+|he|she) (?:just )?passed out\b",
    r"\bpassed out in the (?:bathroom|car|bedroom|street|hall|stall)\b",
    r"\b(?:narcan|naloxone) on (?:him|her|them|my \w+) (?:right now|now)\b",
    r"\b(?:right now|now)\b.*\b(?:use|give|spray) (?:the )?(?:narcan|naloxone)\b",
    r"\bcan not (?:keep|hold) (?:my|his|her|their) (?:eyes|head) (?:open|up)\b",
    r"\b(?:way|much|a lot|so much) stronger than (?:usual|normal|i thought|it should be)\b",
    r"\b(?:use|give|spray) (?:the )?(?:narcan|naloxone)\b.*\b(?:right now)\b",
)

# Someone named as overdosing ("my bf is oding", "i think im overdosing").
# "my friend is overdosing" is a report even inside a question about the law.
_IS_OVERDOSING = re.compile(r"\b(?:is|are|i am|keeps) (?:overdosing|od ing)\b")
_ASKING_HOW_TO_TELL = re.compile(
    r"\b(?:if|whether|how (?:do|can|would|will) (?:i|you|we) (?:know|tell)|signs?|look like|"
    r"looks like)\b"
)
# Wishing never to wake up is suicidal language, not an overdose in progress.
_WISH_NOT_TO_WAKE = re.compile(
    r"\b(?:want|wanna|wish|hope|going|plan|enough)\b.*\b(?:not|never) (?:wake|waking) up\b|"
    r"\b(?:the day|one day|afraid|scared|fear|worry|worried|terrified)\b.*"
    r"\b(?:does not|will not|wont|doesnt) wake up\b|"
    r"\bi (?:can not|cant) wake up\b"
)
_OVERDOSE_PERSON: Tuple[str, ...] = (
    rf"\b{_PERSON} (?:just |is |are |might be |think )*(?:od|overdosing|od ing)\b",
    rf"\b{_PERSON} (?:just|might have|may have|think) (?:od|overdosed)\b",
    rf"\b{_PERSON} (?:just )?(?:took|take|did|had|used|shot|snorted|smoked) (?:way )?too? much\b",
    r"\b(?:he|she|they|someone|friend) (?:is )?dying\b",
    r"\b(?:misjudged|took too much|did too much|too big a|too strong)\b.*\bgoing to die\b",
)

# Overdose words next to a call for help ("OD HELP", "need narcan now").
_OVERDOSE_WEAK: Tuple[str, ...] = (
    r"\b(?:od|overdosed|overdose)\b.*\b(?:help|now|right now|what do i do|asap|hurry|please)\b",
    r"\b(?:help|911|omg|please)\b.*\b(?:od|overdosed|overdosing)\b",
    r"\bneed (?:narcan|naloxone) (?:now|right now|asap|fast|quick|please)\b",
    r"\bwhere is (?:the|my|your) (?:narcan|naloxone)\b",
)

# Swallowing everything: an overdose now, and (after 911) 988.
_TOOK_EVERYTHING = re.compile(
    r"\b(?:took|taken|swallowed|ate|drank|downed) (?:all|all of|a whole bottle of|a bottle of|"
    r"the whole bottle of|a bunch of|every one of) (?:my|the|her|his|these|those)? ?"
    r"(?:pills|meds|medication|medicine|tablets|bottle)\b"
)

_CHILD = (
    r"(?:baby|babies|toddler|infant|child|kid|kids|little one|my son|my daughter|grandson|"
    r"granddaughter|niece|nephew|\d+ ?(?:year old|yr old|yo|month old)|\d+yo)"
)
_CHILD_POISONING = re.compile(
    rf"\b{_CHILD}\b.*\b(?:swallowed|ate|eaten|drank|chewed|got into|got a hold of|got ahold of|"
    r"put (?:a |the |it |some )?\w* ?in (?:his|her|their) mouth|licked|sucked on)\b"
    r"(?:.*\b(?:pill|pills|strip|strips|film|methadone|suboxone|subs|sub|meds|medicine|"
    r"medication|fentanyl|fent|drugs|dope|bag|gummy|gummies|dose|bottle|something))?"
)
_CHILD_SUBSTANCE = re.compile(
    r"\b(?:pill|pills|strip|strips|film|methadone|suboxone|subs|sub|meds|medicine|medication|"
    r"fentanyl|fent|drugs|dope|bag|gummy|gummies|dose|bottle|purse|something|klonopin|xanax|"
    r"valium|ativan|benzos?|oxy\w*|percocets?|percs|vicodin|adderall|edibles?|weed|tabs?)\b"
)

_MEDICAL: Tuple[str, ...] = (
    r"\b(?:having|had|think i am having|think he is having|think she is having) "
    r"(?:a )?(?:heart attack|stroke|seizure|seizures|allergic reaction|asthma attack)\b",
    r"\bheart attack\b",
    r"\b(?:chest pain|chest pains|chest hurts|pain in my chest|crushing pain)\b",
    r"\b(?:seizing|seizure|convulsing|convulsions)\b",
    r"\b(?:stroke|face is drooping|slurring and (?:can not|cant) move)\b",
    r"\bi can not breathe\b",
    r"\b(?:bleeding (?:a lot|badly|bad|heavily|everywhere|will not stop)|will not stop bleeding)\b",
    r"\b(?:choking on|is choking|am choking)\b",
    r"\b(?:anaphylaxis|throat is closing|throat closing|throat is swelling|lips are swelling|"
    r"face and lips are swelling)\b",
    r"\b(?:collapsed|fainted)\b",
    r"\bhit (?:his|her|my) head\b.*\b(?:confused|blood|bleeding|unconscious|throwing up)\b",
    r"\b(?:hit by a car|car accident|bone is sticking out)\b",
    r"\bbroke (?:my|his|her) (?:leg|neck|back)\b",
    r"\b1 ?0[4-9] fever\b|\bfever of 1 ?0[4-9]\b",
    r"\b(?:appendix burst|chest pressure|sugar is (?:crashing|dropping|low)|asthma attack)\b",
    r"\binhaler (?:is not|isnt) working\b|\bno inhaler\b",
    r"\bblood (?:everywhere|is everywhere)\b|\bblood pressure is 2\d\d\b",
    r"\bburned (?:myself|himself|herself) (?:badly|bad)\b",
    r"\b(?:can not|cant) move (?:his|her|my) (?:legs|arms)\b",
    r"\bpregnant\b.*\bbleeding\b",
)

_SEXUAL_ASSAULT: Tuple[str, ...] = (
    r"\b(?:raped|rape|rapist)\b",
    r"\bsexual(?:ly)? (?:assaulted|assault|abused|abuse)\b",
    r"\b(?:molested|molesting)\b",
    r"\b(?:touched|touching) me (?:without|when i|while i|and i said no|against)\b",
    r"\b(?:forced|made|pressured) me (?:to )?(?:have sex|into sex|do sexual|to do stuff)\b",
    r"\bwithout (?:my )?consent\b",
    r"\bforced (?:himself|herself|themselves) on me\b|\btook advantage of me\b",
    r"\b(?:groped|grabbed me and touched)\b",
    r"\b(?:uncle|stepdad|step dad|dad|father|brother|cousin|teacher|coach|boss|he|she) "
    r"(?:touches|touched) me\b",
    r"\brapes me\b",
    r"\bsaid no and (?:he|she|they) (?:kept going|did not stop|didnt stop)\b|"
    r"\b(?:did not|didnt) stop when i said no\b",
    r"\bforces me (?:into|to have) sex\b",
    r"\bwoke up with my clothes off\b|\bdrugged my drink\b",
)

_VIOLENCE: Tuple[str, ...] = (
    r"\b(?<!child )(?<!kid )(?<!niece )(?<!nephew )(?:being|been|am being|is being) "
    r"(?:abused|beaten|hurt|hit|threatened|choked|strangled)\b",
    r"\b(?:he|she|they|husband|wife|boyfriend|bf|girlfriend|gf|partner|ex|dad|father|mom|"
    r"mother|son|daughter|brother|sister|uncle|stepdad|step dad|someone|somebody|a man|a guy)"
    r"\b(?:\s+\w+){0,8}?\s+(?:beat|beats|beating|hit|hits|hitting|punched|punches|kicked|kicks|"
    r"slapped|slaps|choked|chokes|strangled|shoved|pushed|attacked|attacks|grabbed) me\b",
    r"\b(?:beats|hits|hurts|abuses) (?:my|his|her) (?:mom|mother|wife|sister|brother|kids|"
    r"children|little sister|little brother)\b",
    r"\b(?:will|would|hell|shell|going to|gonna) hurt me\b|\bhurts me\b",
    r"\bthreaten(?:ed|ing|s)? me\b",
    r"\bthrew (?:a |the )?\w+ at me\b",
    r"\b(?:he|she|they|husband|boyfriend|partner|wife|girlfriend) broke my "
    r"(?:wrist|arm|nose|jaw|ribs|finger)\b",
    r"\bbruises from (?:my|him|her)\b",
    r"\bhiding (?:in|from) .*(?:boyfriend|husband|partner|girlfriend|wife|him|her|dad)\b",
    r"\bpushes me around\b",
    r"\b(?:told|said) me (?:he|she|they)(?:d| would| will| is going to) kill me\b",
    r"\b(?:he|she|they) (?:has|have) a (?:knife|gun)\b",
    r"\b(?:gets|got|is getting) violent\b|\bphysical(?:ly)? (?:abusive|violent|fights)\b",
    r"\b(?:scared|afraid|terrified) to go home\b",
    r"\bbeat me up\b|\bbeaten up\b",
    r"\b(?:threatened|threatens|threatening) (?:to )?(?:kill|hurt|beat|shoot|stab) "
    r"(?:me|us|the kids|my)\b",
    r"\b(?:going to|gonna|will) (?:kill|hurt|beat) me\b",
    r"\b(?:abusive|violent) (?:husband|wife|boyfriend|girlfriend|partner|ex|relationship|dad|"
    r"father|mom|mother|son|home)\b",
    r"\b(?:domestic violence|domestic abuse)\b",
    r"\bi am (?:so |very |really )?(?:scared|afraid|terrified) of (?:my )?(?:husband|wife|"
    r"boyfriend|girlfriend|partner|ex|dad|father|son|brother|him|her)\b(?! high| going| getting)",
    r"\bnot safe (?:at home|here|with him|with her)\b",
    r"\bhurting me\b|\bhe hurts me\b|\bshe hurts me\b",
    r"\b(?:he|she|husband|wife|boyfriend|girlfriend|partner|fiance|ex|dad|father|mom|mother|"
    r"stepdad|stepfather|son|daughter|brother|sister) (?:is|has been|was|gets|can be) "
    r"(?:\w+ ){0,4}?abusive\b",
    r"\bi am being abused\b|\bhe abuses me\b|\bshe abuses me\b",
    # Coercive control, said without the word "abuse".
    r"\b(?:he|she|husband|wife|boyfriend|girlfriend|partner|ex) (?:\w+ ){0,2}?"
    r"(?:destroys|destroyed|smashes|smashed|breaks|broke) my (?:property|things|stuff|phone)\b",
    r"\b(?:afraid|scared|terrified) to leave the house\b",
    r"\bi (?:have|need) to get (?:us )?out\b.{0,60}\b(?:my|the) (?:kids|children)\b",
    r"\bif i (?:say|do) (?:or (?:say|do) )?the wrong thing\b.{0,40}\b(?:pay|hurt|beat|hit)\b",
)

_SUICIDE: Tuple[str, ...] = (
    r"\bsuicid(?:e|al)\b",
    r"\bkill(?:ing)? (?:myself|my self|himself|herself|themselves|themself)\b",
    r"\b(?:want|wish|wanted) (?:someone|something|him|it) to kill me\b",
    r"\b(?:end|ending|take|taking) (?:my|my own) life\b",
    r"\b(?:end|ending) (?:it all|it tonight|things|everything|it now|it)\b",
    r"\b(?:want|wants|wanting|ready|trying|plan|planning) to die\b|\bi am going to die\b",
    r"\bwish i (?:could )?(?:just )?(?:die|was dead|were dead|was not here|were not here)\b",
    r"\bbetter off (?:if i (?:was|were) )?(?:dead|without me|gone)\b",
    r"\bdo not want to (?:live|be alive|be here anymore|be here|wake up|exist)\b",
    r"\b(?:sleep|go to sleep) and (?:not|never) wake up\b",
    r"\b(?:just )?want to (?:disappear|not exist|stop existing|not be here)\b",
    r"\b(?:no|nothing|no point|no point in|no reason) (?:to live|living|left to live for)\b",
    r"\b(?:what is|whats) the point (?:anymore|of living|of anything|of going on)\b",
    r"\bno point (?:anymore|in anything|in going on)\b",
    r"\b(?:not|isnt) worth living\b",
    r"\b(?:hurt|hurting|cut|cutting|harm|harming) (?:myself|my self)\b",
    r"\b(?:been|keep|started|start) cutting\b",
    r"\bself (?:harm|harming|hurt)\b",
    r"\b(?:overdose|overdosing|od|od ing) on purpose\b",
    r"\b(?:take|taking|swallow|swallowing) (?:all|all of) (?:my|the|these) "
    r"(?:pills|meds|medication)\b",
    r"\b(?:can not|cant) (?:go on|do this anymore|keep going|take it anymore|take this anymore)\b",
    r"\b(?:off|unalive) myself\b",
    r"\btired of (?:living|being alive|life)\b",
    r"\bwant (?:it|everything) to (?:be over|end|stop)\b",
    r"\b(?:hang|shoot|drown) myself\b",
    r"\b(?:easiest|quickest|best|painless) way to die\b",
    r"\b(?:use|using|drink) until i die\b",
    r"\bplan to end\b",
    r"\bjump(?:ing)? off (?:a|the) (?:bridge|roof|building|cliff)\b",
    r"\bgoodbye (?:letter|note|message|post|text|video)\b|\bsaying goodbye to everyone\b",
    r"\b(?:will not|wont|not going to) be (?:around|here|alive) (?:tomorrow|much longer|anymore)\b",
    r"\b(?:stockpil\w*|saving up|hoarding) (?:my |his |her |all )?(?:pills|meds|medication)\b",
    r"\btake them all\b|\btonight (?:is|feels like) the night\b",
    r"\b(?:take|taking|use|using|shoot up|do) (?:everything|enough) .*\bnever wake up\b",
    r"\b(?:nobody|no one|noone) would (?:care|miss me|notice) if i (?:died|was gone|were gone|"
    r"was dead|disappeared)\b",
    r"\bbetter (?:off )?without me\b",
    r"\b(?:pain|this|it) to stop forever\b|\bwant it all to end\b",
    r"\b(?:wants|want|wanted) to end (?:her|his|their) life\b",
    r"\bdisappear forever\b",
    r"\b(?:can not|cant) keep living\b|\blife is (?:pointless|meaningless|not worth it)\b",
    r"\b(?:burned|burn|burning) myself on purpose\b",
    r"\bgive up on (?:life|living)\b",
    r"\b(?:disappointed|sad|angry) (?:that )?i am still alive\b",
    r"\bthink(?:ing)? about (?:dying|death) all the time\b",
    r"\bwhen i am dead\b",
    r"\bno reason to keep going\b|\bdo not see (?:any|a) reason to (?:keep going|live|go on)\b",
)

# A negation right before the suicide phrase ("I am not suicidal", "I don't want to die").
_SUICIDE_NEGATION = re.compile(
    r"\b(?:not|never|no|do not|am not|is not|wasnt|was not|are not)\s+"
    r"(?:\w+\s+){0,2}?(?:suicid|want to die|going to die|kill|hurt myself|harm myself)"
)

# General questions about signs, or about what would happen later: not happening now.
_SIGNS_QUESTION = re.compile(
    r"\b(?:signs?|symptoms?|look like|looks like|what happens|is it normal)\b|"
    r"\b(?:will|would|could|can) (?:they|he|she|someone|a person|it) (?:stop|start)\b|"
    r"\b(?:make|makes|cause|causes|making) (?:you|someone|people|a person|them|him|her) stop\b"
)
# A question ("how do i tell if my son is overdosing") rather than a report.
_QUESTION = re.compile(
    r"^(?:how|what|when|why|can|could|does|do|is|will|should|am|are)\b|\b(?:if|whether)\b"
)
# "can I OD on suboxone", "my son overdosed last year": not an emergency happening now.
_NOT_NOW = re.compile(
    r"\b(?:can|could|would|will|does|do|is it possible to|how (?:do|does|can|much)) "
    r"(?:i|you|someone|people|a person|he|she|they|one) (?:od|overdose)\b|"
    r"\b(?:last (?:night|week|month|year|time)|yesterday|ago|died|passed away|funeral|"
    r"lost (?:my|him|her)|anniversary|in the past|years ago|icu|hospital|rehab|survived|"
    r"made it|is home|came home|this morning|on (?:monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)|over the weekend)\b|"
    r"\b(?:if|when|after) (?:\w+ ){0,3}(?:od|ods|overdoses|overdose|overdosed)\b|"
    r"\b(?:for|during|with) an? (?:od|overdose)\b|"
    r"\b(?:avoid|prevent|not|stop|risk of|chance of|without|from|keep \w+ from) overdosing\b"
)
# Questions about the law around calling 911, not a report of an overdose.
_LEGAL = re.compile(
    r"\b(?:arrest|arrested|charged|charge|trouble|protected|probation|parole|warrant|police|"
    r"cops|law|legal|sued|jail|immigration|deported|deport|green card|visa)\b"
)
# Words that put an event in the present even in a message that tells its past.
_PRESENT = re.compile(
    r"\b(?:right now|currently|still|help|hurry|asap|what do i do|what should i do|"
    r"is not|are not|isnt|will not)\b"
)
# A child being hurt is the child-abuse answer (the classifier's), not the adult hotline.
_CHILD_HURT = re.compile(
    r"\b(?:child|kid|kids|niece|nephew|grandchild|grandson|granddaughter|neighbor kid|little "
    r"girl|little boy)\b.*\b(?:being|is being|been|is) (?:abused|hurt|hit|beaten)\b"
)
# A self-report of not breathing is a medical emergency (asthma, panic), not an overdose.
_SELF_BREATHING = re.compile(r"\bi (?:can not|cant) breathe\b")
# A long message that asks ahead of time ("if I ever have to call 911 for someone who ODs").
# Short ones stay eager: "what if someone is not breathing" may be happening now.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|what if|in case|ever|practiced|practice|training|class|kits?|supposed to)\b"
)
_LONG = 16
# What puts a long story's overdose in the past ("...4 days ago", "the night he died"); not
# "years" or "rehab", which a story of what is happening now mentions too.
_PAST_STORY = re.compile(
    r"\b(?:ago|last (?:night|week|month|year|time)|yesterday|died|passed away|funeral|"
    r"anniversary|in the past|survived|made it|came home|is home|back then|that night|"
    r"that day|brought (?:him|her|them|me) back)\b"
)
# In a long message "help" is usually "help him get treatment"; these still mean now.
_URGENT_LONG = re.compile(
    r"\b(?:right now|rn|hurry|asap|omg|please help|help (?:me|him|her|them|us|now|please)|"
    r"call 911 now|what do i do now|what do i do)\b(?! if)"
)
_URGENT = re.compile(
    r"\b(?:right now|help|please|hurry|omg|asap|what do i do|what do we do|what should i do)\b"
)


@dataclass(frozen=True)
class Crisis:
    """An emergency found in a message, and what to answer after its emergency reply."""

    kind: str
    also: Tuple[str, ...] = ()
    # "es" when only the Spanish patterns found it: the message is Spanish, however short.
    language: str | None = None


def normalize(text: str) -> str:
    """Lowercase ASCII words separated by single spaces, common respellings undone."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = text.lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)  # "helppp" -> "help"
    tokens = [_TOKEN_MAP.get(token, _fuzzy(token)) for token in text.split()]
    return " ".join(" ".join(tokens).split())


def _fuzzy(token: str) -> str:
    """Correct a misspelled long keyword; leave every other word alone."""
    if len(token) < 6 or token in _VOCAB:
        return token
    from rapidfuzz import fuzz, process

    match = process.extractOne(token, _VOCAB, scorer=fuzz.ratio, score_cutoff=84)
    if match and match[0][0] == token[0]:
        return match[0]
    return token


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, List[Pattern[str]]]:
    compile_all = lambda items: [re.compile(item) for item in items]  # noqa: E731
    return {
        "strong": compile_all(_OVERDOSE_STRONG),
        "person": compile_all(_OVERDOSE_PERSON),
        "weak": compile_all(_OVERDOSE_WEAK),
        "suicide": compile_all(_SUICIDE),
        "medical": compile_all(_MEDICAL),
        "sexual": compile_all(_SEXUAL_ASSAULT),
        "violence": compile_all(_VIOLENCE),
    }


def _any(patterns: List[Pattern[str]], text: str) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def _overdose_now(norm: str, patterns: Dict[str, List[Pattern[str]]]) -> bool:
    norm = _SELF_BREATHING.sub(" ", _WISH_NOT_TO_WAKE.sub(" ", norm))
    urgent = bool(_URGENT.search(norm))
    present = bool(_PRESENT.search(norm))
    past = bool(_NOT_NOW.search(norm)) and not present
    if len(norm.split()) >= _LONG and not _URGENT_LONG.search(norm):
        # A story told at length: "...4 days ago" or "if I ever..." is not happening now.
        past = past or bool(_HYPOTHETICAL.search(norm) or _PAST_STORY.search(norm))
    overdosing = _IS_OVERDOSING.search(norm)
    if overdosing and not past and not _ASKING_HOW_TO_TELL.search(norm[: overdosing.start()]):
        return True
    strong = _any(patterns["strong"], norm)
    if strong and not past and (urgent or not _SIGNS_QUESTION.search(norm)):
        return True
    if _TOOK_EVERYTHING.search(norm):
        return True
    asking = bool(_QUESTION.search(norm) or _SIGNS_QUESTION.search(norm))
    if _NOT_NOW.search(norm) or (asking and not urgent):
        return False
    if _any(patterns["person"], norm):
        return True
    # "OD HELP", "need narcan now": only in a short message, where nothing else is said.
    short = len(norm.split()) <= 12
    return short and _any(patterns["weak"], norm) and not _LEGAL.search(norm)


def _child_poisoning(norm: str) -> bool:
    if not _CHILD_POISONING.search(norm) or not _CHILD_SUBSTANCE.search(norm):
        return False
    # "what do i do if a kid gets into my methadone" is asked ahead of time.
    hypothetical = re.search(r"\b(?:if|in case|what happens when|how do i keep)\b", norm)
    if hypothetical and re.search(r"\bever\b", norm):
        return bool(re.search(r"\b(?:right now|help|please|hurry|omg|asap)\b", norm))
    return not hypothetical or bool(_URGENT.search(norm))


def _found_en(text: str) -> Tuple[List[str], bool]:
    """The kinds of emergency the English patterns find, and whether a legal fear is said."""
    norm = normalize(text)
    if not norm:
        return [], False
    patterns = _patterns()
    found: List[str] = []
    if _child_poisoning(norm):
        found.append(CHILD_POISONING)
    elif _overdose_now(norm, patterns):
        found.append(OVERDOSE_NOW)
    medical_hypothetical = _SIGNS_QUESTION.search(norm) or re.search(
        r"\b(?:if|in case|instead of|could it|would it|last time|how do i keep)\b", norm
    )
    if _any(patterns["medical"], norm) and (
        not medical_hypothetical or _URGENT.search(norm) or re.search(r"\bnow\b", norm)
    ):
        found.append(MEDICAL_EMERGENCY)
    if (
        _any(patterns["suicide"], norm) or _TOOK_EVERYTHING.search(norm)
    ) and not _SUICIDE_NEGATION.search(norm):
        found.append(SUICIDE)
    if _any(patterns["sexual"], norm):
        found.append(SEXUAL_ASSAULT)
    if _any(patterns["violence"], norm) and not _CHILD_HURT.search(norm):
        found.append(VIOLENCE)
    return found, bool(_LEGAL.search(norm))


def assess(text: str) -> Crisis | None:
    """The emergency in one incoming message, if any, with what to answer after it.

    The English and the Spanish patterns both run, whatever language the message seems to
    be in: a short "no respira" or Spanglish must never depend on a language guess."""
    english, legal_en = _found_en(text)
    spanish, legal_es = _found_es(text)
    found = english + [kind for kind in spanish if kind not in english]
    if not found:
        return None
    # "I took all my pills": 911 first, then 988; "he beats me and I want to die": 988 first.
    ordered = sorted(set(found), key=PRIORITY.index)
    kind, also = ordered[0], [k for k in ordered[1:] if k in (SUICIDE, VIOLENCE, SEXUAL_ASSAULT)]
    if kind == OVERDOSE_NOW and (legal_en or legal_es):
        also.append(GOOD_SAMARITAN)
    language = "es" if spanish and not english else None
    return Crisis(kind, tuple(also[:2]), language)


# Answers that would only repeat what an emergency's own reply says.
_SAID_ALREADY: Dict[str, Tuple[str, ...]] = {
    OVERDOSE_NOW: ("overdose/what_to_do", "overdose/signs", "naloxone/how_to"),
    CHILD_POISONING: ("overdose/child_swallowed",),
    SUICIDE: ("safety/mental_health_crisis", "safety/depression"),
    MEDICAL_EMERGENCY: ("health/physical",),
}


def answers_after(crisis: Crisis, answer: str | None) -> List[str]:
    """What to answer after the emergency reply: its follow-ups, then the answer the
    classifier was sure of (a knowledge-base label), unless the reply already covers it.

    The check is eager, so "if they start breathing but don't wake up, did the narcan
    work?" gets 911 first; the question itself must still be answered."""
    also = list(crisis.also)
    if answer and "/" in answer and answer not in also:
        if answer not in _SAID_ALREADY.get(crisis.kind, ()):
            also.append(answer)
    return also


def detect(text: str) -> str | None:
    """The kind of emergency in one message ("overdose_now", "suicide", ...), or None."""
    crisis = assess(text)
    return crisis.kind if crisis else None


# -- Spanish ---------------------------------------------------------------------------------
# The same kinds, in Spanish as people text it: accents dropped, "q" for "que", Spanglish.
# Spanish often drops the subject ("no respira"), so most patterns need none. Tense carries
# time: present and just-now forms ("no respira", "dejo de respirar") are emergencies;
# stories ("murio de una sobredosis el ano pasado") and questions asked ahead of time
# ("que hago si alguien no respira, para saber") are not, as in English. Both languages
# run on every message: a wrong guess of the language never hides an emergency.

_ES_TOKEN_MAP: Dict[str, str] = {
    "q": "que",
    "k": "que",
    "ke": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "x": "por",
    "d": "de",
    "pa": "para",
    "ta": "esta",
    "tas": "estas",
    "toy": "estoy",
    "stoy": "estoy",
    "sta": "esta",
    "porfa": "por favor",
    "porfavor": "por favor",
    "xfa": "por favor",
    "xfavor": "por favor",
    "nesecito": "necesito",
    "nesesito": "necesito",
    "nececito": "necesito",
    "necesto": "necesito",
    "ayudenme": "ayuda",
    "ayudame": "ayuda",
    "ayudeme": "ayuda",
    "auxilio": "ayuda",
    "socorro": "ayuda",
    "respiraa": "respira",
    "resira": "respira",
    "respria": "respira",
    "respita": "respira",
    "rrespira": "respira",
    "despiertaa": "despierta",
    "dispierta": "despierta",
    "despierata": "despierta",
    "sobredosi": "sobredosis",
    "sobredocis": "sobredosis",
    "sobredosys": "sobredosis",
    "sobredoses": "sobredosis",
    "sobredossis": "sobredosis",
    "sobredoxis": "sobredosis",
    "morao": "morado",
    "morada": "morado",
    "moraditos": "morados",
    "azules": "azul",
    "narcam": "narcan",
    "narkan": "narcan",
    "naloxon": "naloxona",
    "naloxone": "naloxona",
    "naloxano": "naloxona",
    "fentanyl": "fentanilo",
    "fenta": "fentanilo",
    "fentanil": "fentanilo",
    "suisidio": "suicidio",
    "sucidio": "suicidio",
    "suisidarme": "suicidarme",
    "sucidarme": "suicidarme",
    "suisida": "suicida",
    "morirne": "morirme",
    "matarne": "matarme",
}

# "sobre dosis" is written apart as often as together.
_ES_JOINS = ((re.compile(r"\bsobre ?dosis\b"), "sobredosis"),)

# An overdose in progress, described as it is now.
_ES_OVERDOSE_STRONG: Tuple[str, ...] = (
    r"\b(?:no|casi no|ya no|apenas|ni) (?:esta |puede |lo veo |la veo |se le ve |le siento )?"
    r"respir(?:a|an|ando|ar|aba)\b",
    r"\b(?:dejo|paro|ha dejado|acaba de dejar) de respirar\b",
    r"\brespira (?:muy |bien |super |re )?(?:lento|despacio|poquito|poco|raro|feo|mal|bajito)\b",
    r"\brespiracion (?:muy |bien )?(?:lenta|debil|rara)\b",
    r"\bno (?:se )?(?:despierta|despiertan|despertaba|reacciona|reaccionaba|responde|respondia|"
    r"se mueve|se movia)\b",
    r"\bno (?:lo|la|los|le) (?:puedo|podemos|pude) (?:despertar|hacer reaccionar)\b",
    r"\bno (?:puedo|podemos|pude) (?:despertarlo|despertarla|despertarle|levantarlo|levantarla)\b",
    r"\b(?:esta|sigue|se quedo|quedo) (?:inconsciente|desmayado|desmayada|tirado|tirada)\b",
    r"\binconsciente\b",
    r"\bno\b(?: \w+){0,4} (?:abre|abra|abrir) los ojos\b",
    r"\bsigue sin (?:despertar|reaccionar|respirar|responder|moverse)\b",
    r"\bno (?:siento|veo|oigo|creo) que respire\b|\bpecho no (?:sube|se mueve)\b",
    r"\brespiracion (?:\w+ ){0,3}(?:lenta|debil|rara|superficial)\b",
    r"\brespira (?:\w+ ){0,2}(?:lento|despacio|superficial|poquito|bajito)\b",
    r"\bno (?:abre|puede abrir) los ojos\b|\bcuesta (?:mucho |trabajo )?despertarl[oa]\b",
    r"\bpupilas (?:muy )?(?:chiquitas|pequenas|chicas|como (?:punta de )?alfiler)\b",
    r"\bperdio el conocimiento\b",
    r"\b(?:sin pulso|no tiene pulso|no (?:le )?(?:siento|encuentro) (?:el )?pulso)\b",
    r"\bse (?:puso|esta poniendo|pone|le puso|le pusieron|le estan poniendo|le esta poniendo|"
    r"le ponen) (?:los labios |la boca |la cara |las unas |los dedos )?"
    r"(?:morado|morados|azul|gris|grises|palido|palida)\b",
    r"\b(?:labios|boca|cara|unas|dedos|piel) (?:estan |esta |se ven |se le ven |se pusieron |"
    r"muy |bien |medio )*(?:morados?|azul|gris(?:es)?)\b",
    r"\b(?:esta|estan) (?:todo |toda |bien |muy )?(?:morado|azul)\b",
    r"\btiene (?:los labios|la boca|la cara|las unas) (?:morados?|azul|gris(?:es)?)\b",
    r"\b(?:hace|hacen|esta haciendo) (?:un |unos )?(?:ruido|ruidos|sonido|sonidos) (?:raro |raros |"
    r"feo |feos )?(?:como )?(?:de )?(?:ronquido|ronquidos|roncar|gargaras|gorgoteo|ahogado)\b",
    r"\b(?:esta roncando|ronca) (?:raro|feo|fuerte y no)\b|\bgorgote(?:a|ando)\b",
    r"\b(?:espuma (?:por|en) la boca|le sale espuma|echando espuma)\b",
    r"\b(?:ojos en blanco|se le voltearon los ojos|se le fueron los ojos)\b",
    r"\b(?:narcan|naloxona)\b.*\b(?:no|nada|todavia no|aun no|sigue sin) (?:funciona|funciono|"
    r"hace efecto|hizo efecto|reacciona|responde|despierta|respira|sirve|sirvio)\b",
    r"\ble di (?:el |la )?(?:narcan|naloxona)\b.*\b(?:no|sigue|todavia|aun)\b",
    r"\b(?:se desmayo|se cayo|colapso|se desplomo|cayo al (?:piso|suelo))\b.*\b(?:se inyecto|uso|"
    r"fumo|inhalo|pastillas|fentanilo|heroina|droga|drogas|se metio|se puso|perico|tusi)\b",
    r"\b(?:se inyecto|uso|fumo|inhalo|pastillas|fentanilo|heroina|droga|drogas|se metio)\b.*"
    r"\b(?:se desmayo|se cayo|colapso|se desplomo|cayo al (?:piso|suelo))\b",
    r"\bse (?:esta|nos esta|me esta) muriendo\b|\bse (?:me|nos) muere\b",
    r"\b(?:esta|estaba) (?:cabeceando|tumbado) (?:y|pero) no\b",
    r"\b(?:ahora|ahorita|ya) (?:le )?(?:pongo|doy|uso|echo) (?:el |la )?(?:narcan|naloxona)\b",
)
# Someone named as overdosing: "tiene una sobredosis", "se metio demasiado".
_ES_OVERDOSE_PERSON: Tuple[str, ...] = (
    r"\b(?:tiene|esta teniendo|le esta dando|le dio|le esta pasando|creo que tiene|creo que es|"
    r"es|esta en|parece|puede ser) (?:una |la |un )?sobredosis\b",
    r"\b(?:se )?(?:esta )?sobredos(?:ando|o|eando|eo)\b",
    r"\bse (?:metio|tomo|inyecto|puso|fumo|echo|uso|paso con) (?:demasiado|demasiada|demasiadas|"
    r"mucho|mucha|muchas|muchisimo|de mas)\b",
    r"\b(?:tomo|uso|fumo|se metio) (?:demasiado|demasiadas|de mas)\b",
    r"\bse paso de (?:la )?dosis\b",
)
# Overdose words next to a call for help, in a short message.
_ES_OVERDOSE_WEAK: Tuple[str, ...] = (
    r"\bsobredosis\b.*\b(?:ayuda|urgente|rapido|ya|ahora|ahorita|por favor|que hago|que hacemos|"
    r"que hacer|911|emergencia)\b",
    r"\b(?:ayuda|urgente|emergencia|911|por favor)\b.*\bsobredosis\b",
    r"\bnecesito (?:narcan|naloxona) (?:ya|ahora|ahorita|urgente|rapido|por favor)\b",
    r"\bdonde (?:esta|tienes|tienen|hay) (?:el |la |mi |tu )?(?:narcan|naloxona)\b.*\b(?:ya|ahora|"
    r"rapido|urgente)\b",
)
_ES_TOOK_EVERYTHING = re.compile(
    r"\b(?:se |me )?(?:tomo|trago|tome|trague|tomado|tragado) (?:todas|todos|un bote entero de|"
    r"el bote de|un frasco de|el frasco de|toda la caja de|muchisimas|un monton de) "
    r"(?:las |los |sus |mis |esas |estas )?(?:pastillas|pildoras|medicinas|medicamentos|"
    r"tabletas|pastillas que)\b"
)
# A wish never to wake up is suicidal, not an overdose in progress.
_ES_WISH_NOT_TO_WAKE = re.compile(
    r"\b(?:quiero|quisiera|ojala|deseo|ganas de|me gustaria)\b.*\b(?:no (?:despertar|despertarme|"
    r"volver a despertar)|nunca despertar|dormir para siempre)\b|"
    r"\b(?:y no despertar|no volver a despertar|nunca despertar|dormir para siempre)\b|"
    r"\b(?:miedo|me da miedo|temo|me preocupa)\b.*\bno (?:despierte|se despierte)\b"
)
_ES_SELF_BREATHING = re.compile(r"\bno (?:puedo|podia) respirar\b")

_ES_SUICIDE: Tuple[str, ...] = (
    r"\bsuicid(?:io|ios|a|as|arme|arse|arte|ar|arnos|aria)\b",
    r"\b(?:me )?quiero (?:morir|morirme|matar|matarme|suicidar|desaparecer|ir de este mundo)\b",
    r"\bme quiero (?:morir|matar|suicidar|ir de este mundo)\b",
    r"\b(?:me voy a|voy a|quiero|pienso|pensando en|quisiera|deseo|ganas de|planeo|planeando|"
    r"intentar|intente|trate de|voy a tratar de) (?:matarme|morirme|suicidarme|quitarme la vida|"
    r"acabar con mi vida|terminar con mi vida|acabar con todo|terminar con todo|colgarme|ahorcarme|"
    r"cortarme|dispararme|pegarme un tiro|darme un tiro|tirarme)\b",
    r"\bme voy a (?:matar|morir|suicidar|colgar|ahorcar|tirar de|pegar un tiro|quitar la vida)\b",
    r"\bno quiero (?:vivir|seguir viviendo|estar vivo|estar viva|existir|despertar|despertarme|"
    r"estar aqui|estar en este mundo|seguir en este mundo|seguir aqui)\b",
    r"\bya no (?:quiero|puedo) (?:vivir|seguir)\b",
    r"\bno (?:aguanto|soporto|puedo) (?:mas|ya)\b(?! de\b| que\b)|\bya no (?:aguanto|soporto)\b",
    r"\bojala (?:nunca )?(?:hubiera|no hubiera) nacido\b",
    r"\bojala (?:me muera|estuviera muert[oa])\b",
    r"\b(?:me siento|soy|siento que soy) una carga\b|\b(?:ya nada importa|nada importa ya)\b",
    r"\bpronto (?:voy a estar|estare) en paz\b",
    r"\b(?:pronto )?no (?:voy a ser|sere) (?:un problema|una carga) para nadie\b",
    r"\b(?:seria|estaria|es) mejor (?:no estar aqui|no existir|si no (?:estuviera|existiera))\b",
    r"\b(?:quitarme|quitar(?:se)?) la vida\b",
    r"\b(?:acabar|terminar|poner fin) (?:con|a) (?:mi vida|todo)\b",
    r"\bmejor (?:muerto|muerta|me muero)\b|\bestaria mejor muert[oa]\b",
    r"\b(?:estarian|estaran|estan|estarias) mejor sin mi\b",
    r"\b(?:nadie|a nadie) (?:me )?(?:extranaria|extrañaria|le importaria|notaria) si (?:me muero|"
    r"muero|desaparezco|no estoy)\b",
    r"\bno (?:tengo|hay|veo) (?:ninguna )?(?:razon|razones|motivo|motivos|nada) (?:para|por que|"
    r"porque|por el que) (?:vivir|seguir)\b",
    r"\b(?:no vale la pena vivir|la vida no vale la pena|no tiene sentido (?:vivir|seguir|la vida|"
    r"nada))\b",
    r"\b(?:cortarme|me corto|me estoy cortando|me sigo cortando|hacerme dano|me hago dano|"
    r"lastimarme|me lastimo|quemarme|autolesion\w*)\b",
    r"\bsobredosis a proposito\b|\bsobredosis (?:para|y) (?:morir|no despertar|acabar)\b",
    r"\b(?:tomarme|tragarme|tomar) todas (?:mis |las )?(?:pastillas|pildoras|medicinas)\b",
    r"\b(?:dormir|dormirme) y no despertar\b|\bno volver a despertar\b|\bdormir para siempre\b",
    r"\bdesaparecer para siempre\b",
    r"\b(?:carta|nota|mensaje) de despedida\b|\bdespedirme de todos\b",
    r"\bya no voy a estar (?:aqui|manana|mucho tiempo)\b",
    r"\b(?:colgarme|ahorcarme|pegarme un tiro|darme un tiro|dispararme)\b",
    r"\btirarme (?:del|de un|de una|al|a las|a la) (?:puente|techo|edificio|tren|vias|azotea|"
    r"ventana|carro|carretera)\b",
    r"\b(?:guardando|juntando|ahorrando) (?:mis |las )?(?:pastillas|pildoras|medicinas)\b",
    r"\bcansad[oa] de (?:vivir|la vida|estar viv[oa])\b|\bme canse de (?:vivir|la vida)\b",
    # The reflexive infinitives are said of oneself ("un plan para matarme"); someone
    # else's threat ("amenazo con matarme", "me va a matar") is violence, not suicide.
    r"(?<!va a )(?<!van a )(?<!iba a )(?<!con )(?<!quiere )(?<!quieren )\bmatarme\b",
    r"(?<!miedo de )(?<!miedo a )(?<!riesgo de )\bmorirme\b",
    r"\bno quiero (?:seguir )?(?:existiendo|viviendo)\b",
    r"\bquiero que (?:todo |esto |el dolor |mi vida )?(?:se acabe|se termine|termine|acabe)\b",
    r"\bquiero que (?:todo|esto) (?:se acabe|termine|acabe)\b",
)
# A negation that says the opposite ("no me quiero morir", "no soy suicida"): removed
# before the patterns run, so "no me quiero morir pero ya no quiero vivir" still counts.
_ES_SUICIDE_NEGATION = re.compile(
    r"\b(?:no|nunca|jamas) (?:me )?(?:quiero|quisiera|voy a|pienso) (?:morir|morirme|matar|"
    r"matarme|suicidar|suicidarme|hacerme dano|lastimarme|cortarme|quitarme la vida)\b|"
    r"\bno me (?:quiero|voy a) (?:morir|matar|suicidar|hacer dano|lastimar|cortar)\b|"
    r"\bno (?:soy|estoy) (?:suicida|pensando en (?:suicidarme|matarme|morir|el suicidio))\b|"
    r"\b(?:nunca|jamas) (?:me )?(?:haria|hare|haria) (?:dano|eso)\b|"
    r"\b(?:no tengo|sin) (?:pensamientos|ideas) (?:suicidas|de suicidio)\b"
)

_ES_CHILD = (
    r"(?:bebe|bebes|nino|nina|ninos|nene|nena|chiquito|chiquita|mi hijo|mi hija|hijito|hijita|"
    r"nieto|nieta|sobrino|sobrina|\d+ (?:anos|meses|ano|mes)|el nino|la nina)"
)
_ES_CHILD_POISONING = re.compile(
    rf"\b{_ES_CHILD}\b.*\b(?:se trago|trago|se comio|comio|se tomo|tomo|se metio a la boca|"
    r"se metio en la boca|mordio|chupo|lamio|agarro|encontro)\b"
)
_ES_CHILD_SUBSTANCE = re.compile(
    r"\b(?:pastilla|pastillas|pildora|pildoras|tira|tiras|metadona|suboxone|subs|medicina|"
    r"medicinas|medicamento|medicamentos|fentanilo|droga|drogas|gomita|gomitas|algo|xanax|"
    r"oxicodona|percocet|marihuana|mota|comestible|comestibles|bolsita|polvo)\b"
)

_ES_MEDICAL: Tuple[str, ...] = (
    r"\b(?:ataque al corazon|ataque cardiaco|infarto)\b",
    r"\b(?:dolor|dolores|presion) (?:de|en el|fuerte en el) pecho\b|\bme duele el pecho\b",
    r"\b(?:convulsion|convulsiones|convulsionando|convulsiona|le dio un ataque de epilepsia)\b",
    r"\b(?:derrame cerebral|embolia|se le cayo la cara)\b|"
    r"\bno puede mover (?:el brazo|la cara|un lado)\b",
    r"\bno puedo respirar\b",
    r"\bse esta ahogando\b|\bse atraganto\b|\bme estoy ahogando\b",
    r"\b(?:sangra mucho|esta sangrando mucho|no para de sangrar|mucha sangre|sangre por todos "
    r"lados)\b",
    r"\b(?:reaccion alergica|se le cierra la garganta|se me cierra la garganta|se le hinchan los "
    r"labios|anafilaxia)\b",
    r"\b(?:se desmayo|se desmayaron|me desmaye)\b",
    r"\b(?:lo|la|me) atropell(?:o|aron)\b|\baccidente de (?:carro|auto|coche)\b",
    r"\bse (?:rompio|quebro) (?:la pierna|el cuello|la espalda)\b",
    r"\bembarazada\b.*\bsangr(?:ando|a)\b",
)

_ES_SEXUAL_ASSAULT: Tuple[str, ...] = (
    r"\b(?:me violaron|me violo|violacion|violada|violado|violador)\b",
    r"\b(?:abuso|agresion|asalto|ataque) sexual\b|\babus(?:aron|o) sexualmente\b",
    r"\b(?:abuso|abusaron|abusa) de mi\b",
    r"\bme (?:toco|toca|tocaron|manoseo|manosea|manosearon) sin (?:mi )?(?:permiso|"
    r"consentimiento|querer)\b|\bme (?:manoseo|manosea|manosearon)\b",
    r"\bme (?:forzo|forzaron|obligo|obligaron|obliga) a (?:tener sexo|tener relaciones|"
    r"hacer cosas)\b",
    r"\bsin mi consentimiento\b",
    r"\bme drogaron (?:la bebida|el trago)\b|\bme echaron algo en (?:la bebida|el trago)\b",
)

_ES_VIOLENCE: Tuple[str, ...] = (
    r"\b(?:me pega|me pego|me golpea|me golpeo|me golpean|me esta pegando|me esta golpeando|"
    r"me pegaron|me golpearon|me maltrata|me ahorco|me estrangulo|me ahorca|me empujo|me empuja|"
    r"me patea|me pateo|me cacheteo|me dio una paliza|me dio una golpiza)\b",
    r"\bme (?:amenaza|amenazo|amenazan|esta amenazando) (?:con|de) (?:matarme|pegarme|golpearme|"
    r"hacerme dano|quitarme)\b|\bme (?:amenaza|amenazo)\b",
    r"\bme (?:quiere|va a|iba a|dijo que me iba a|dice que me va a) (?:matar|pegar|golpear)\b",
    r"\b(?:tiene|trae|saco) (?:un cuchillo|una pistola|un arma|una navaja)\b",
    r"\bviolencia (?:domestica|de genero|familiar|en la pareja)\b",
    r"\b(?:miedo|me da miedo) (?:de |a )?(?:ir|volver|regresar) a (?:mi )?casa\b",
    r"\bno (?:estoy|me siento) (?:segura|seguro) en (?:mi )?casa\b",
    r"\b(?:tengo )?miedo (?:de|a) mi (?:esposo|esposa|pareja|novio|novia|marido|ex|papa|"
    r"padrastro)\b",
    r"\b(?:esposo|esposa|pareja|novio|novia|marido|ex|papa|padrastro) (?:es )?(?:muy )?"
    r"(?:violento|violenta|abusivo|abusiva)\b",
    r"\bme tiene encerrad[oa]\b|\bme rompio (?:el telefono|el celular|mis cosas)\b",
)
_ES_CHILD_HURT = re.compile(
    r"\b(?:nino|nina|ninos|hijo|hija|hijos|nieto|nieta|sobrino|sobrina|bebe)\b.*"
    r"\b(?:lo|la|los|le|les) (?:golpea|pega|maltrata|lastima)\b"
)

_ES_URGENT = re.compile(
    r"\b(?:ayuda|urgente|rapido|ya|ahora|ahorita|ahora mismo|por favor|que hago|que hacemos|"
    r"que hacer|que debo hacer|emergencia)\b"
)
_ES_PRESENT = re.compile(
    r"\b(?:ahora|ahorita|ahora mismo|en este momento|todavia|aun|sigue|ayuda|urgente|rapido|"
    r"que hago|que hacemos|que debo hacer)\b"
)
# Stories and questions asked ahead of time: not happening now.
_ES_NOT_NOW = re.compile(
    r"\b(?:se puede|puedo|podria|es posible|como se|como puedo|como evitar|como prevenir|"
    r"como saber|como reconocer) (?:\w+ ){0,3}sobredosis\b|"
    r"\b(?:ayer|anoche|antier|anteayer|el otro dia|la otra noche|esta manana|hace (?:\w+ )?"
    r"(?:dias|semanas|meses|anos|ano|una semana|un mes|un ano|tiempo)|la semana pasada|"
    r"el mes pasado|el ano pasado|el fin de semana|murio|murieron|se murio|fallecio|"
    r"fallecieron|perdi a|funeral|velorio|entierro|aniversario|en el pasado|sobrevivio|"
    r"salio del hospital|esta en el hospital|ya esta bien|ya esta en casa|ya respira|"
    r"el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo) pasado)\b|"
    r"\b(?:si|cuando|despues de|antes de) (?:\w+ ){0,3}(?:sobredosis|sobredosa)\b|"
    r"\b(?:evitar|prevenir|riesgo de|peligro de|prevencion de) (?:una |las |la )?sobredosis\b"
)
_ES_QUESTION = re.compile(
    r"^(?:como|que|cual|cuales|cuando|donde|por que|porque|puedo|puede|se puede|es|debo|hay)\b|"
    r"\b(?:si|en caso de)\b"
)
_ES_SIGNS_QUESTION = re.compile(
    r"\b(?:senales|senal|sintomas|sintoma|signos|como se ve|como saber|como se|que pasa|"
    r"es normal|se ve como)\b"
)
_ES_HYPOTHETICAL = re.compile(
    r"\b(?:si alguna vez|alguna vez|en caso de|por si|clase|curso|entrenamiento|taller|"
    r"se supone|practicar|practica)\b"
)
_ES_PAST_STORY = re.compile(
    r"\b(?:hace (?:\w+ )?(?:dias|semanas|meses|anos|ano)|ayer|anoche|la semana pasada|"
    r"el ano pasado|el mes pasado|murio|fallecio|funeral|velorio|aniversario|sobrevivio|"
    r"esa noche|ese dia|aquella vez|lo (?:revivieron|salvaron)|la (?:revivieron|salvaron))\b"
)
_ES_URGENT_LONG = re.compile(
    r"\b(?:ahora mismo|ahorita|urgente|rapido|ayuda por favor|ayudame|que hago ahora|"
    r"que hago)\b(?! si)"
)
_ES_LEGAL = re.compile(
    r"\b(?:arrest\w*|policia|policias|carcel|cargos|preso|presa|inmigracion|migra|deport\w*|"
    r"papeles|ley|legal|problemas con la ley|probatoria|libertad condicional|orden de arresto)\b"
)
# A message that is only the word ("sobredosis", "es una sobredosis!!").
_ES_BARE_OVERDOSE = re.compile(r"^(?:es |una |es una |creo que es una )?sobredosis(?: ya| ayuda)?$")


def normalize_es(text: str) -> str:
    """Lowercase ASCII Spanish words, single spaces, texting spellings undone."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = text.lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)  # "ayudaaa" -> "ayuda"
    text = " ".join(_ES_TOKEN_MAP.get(token, token) for token in text.split())
    for pattern, joined in _ES_JOINS:
        text = pattern.sub(joined, text)
    return text


@lru_cache(maxsize=1)
def _es_patterns() -> Dict[str, List[Pattern[str]]]:
    compile_all = lambda items: [re.compile(item) for item in items]  # noqa: E731
    return {
        "strong": compile_all(_ES_OVERDOSE_STRONG),
        "person": compile_all(_ES_OVERDOSE_PERSON),
        "weak": compile_all(_ES_OVERDOSE_WEAK),
        "suicide": compile_all(_ES_SUICIDE),
        "medical": compile_all(_ES_MEDICAL),
        "sexual": compile_all(_ES_SEXUAL_ASSAULT),
        "violence": compile_all(_ES_VIOLENCE),
    }


def _overdose_now_es(norm: str, patterns: Dict[str, List[Pattern[str]]]) -> bool:
    norm = _ES_SELF_BREATHING.sub(" ", _ES_WISH_NOT_TO_WAKE.sub(" ", norm))
    urgent = bool(_ES_URGENT.search(norm))
    present = bool(_ES_PRESENT.search(norm))
    past = bool(_ES_NOT_NOW.search(norm)) and not present
    if len(norm.split()) >= _LONG and not _ES_URGENT_LONG.search(norm):
        past = past or bool(_ES_HYPOTHETICAL.search(norm) or _ES_PAST_STORY.search(norm))
    if _any(patterns["strong"], norm) and not past:
        if urgent or not _ES_SIGNS_QUESTION.search(norm):
            return True
    if _ES_TOOK_EVERYTHING.search(norm):
        return True
    if _ES_BARE_OVERDOSE.search(norm):
        return True
    asking = bool(_ES_QUESTION.search(norm) or _ES_SIGNS_QUESTION.search(norm))
    if _ES_NOT_NOW.search(norm) or (asking and not urgent):
        return False
    if _any(patterns["person"], norm):
        return True
    short = len(norm.split()) <= 12
    return short and _any(patterns["weak"], norm) and not _ES_LEGAL.search(norm)


def _child_poisoning_es(norm: str) -> bool:
    if not _ES_CHILD_POISONING.search(norm) or not _ES_CHILD_SUBSTANCE.search(norm):
        return False
    hypothetical = re.search(r"\b(?:si|en caso de|que pasa si|como evito|como hago para)\b", norm)
    return not hypothetical or bool(_ES_URGENT.search(norm))


def _found_es(text: str) -> Tuple[List[str], bool]:
    """The kinds of emergency the Spanish patterns find, and whether a legal fear is said."""
    norm = normalize_es(text)
    if not norm:
        return [], False
    patterns = _es_patterns()
    found: List[str] = []
    if _child_poisoning_es(norm):
        found.append(CHILD_POISONING)
    elif _overdose_now_es(norm, patterns):
        found.append(OVERDOSE_NOW)
    hypothetical = _ES_SIGNS_QUESTION.search(norm) or re.search(
        r"\b(?:si|en caso de|la ultima vez|como evito)\b", norm
    )
    if _any(patterns["medical"], norm) and (not hypothetical or _ES_URGENT.search(norm)):
        found.append(MEDICAL_EMERGENCY)
    if _any(patterns["suicide"], _ES_SUICIDE_NEGATION.sub(" ", norm)) or _ES_TOOK_EVERYTHING.search(
        norm
    ):
        found.append(SUICIDE)
    if _any(patterns["sexual"], norm):
        found.append(SEXUAL_ASSAULT)
    if _any(patterns["violence"], norm) and not _ES_CHILD_HURT.search(norm):
        found.append(VIOLENCE)
    return found, bool(_ES_LEGAL.search(norm))
