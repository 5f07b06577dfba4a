"""How people say things: contractions, filler, and words that mean the same for matching.

Both a question and the article's own text go through the same normalisation, so a synonym only has to send
different words to one concept; which concept word is chosen does not matter.
"""

from __future__ import annotations

import re

# Spellings and recognition variants of one word, fixed before the phrases below look at the text.
SPELLINGS: tuple[tuple[str, str], ...] = (
    (r"epi ?dermal|epidurals?|epidurial|epideral|epidurel|epi ?dural", "epidural"),
    (r"(i|eye) ?be ?profen|ibu ?profen|ibu ?prophen", "ibuprofen"),
    (r"fizzy ?oh|fizz ?(io|ee ?oh)|physi ?o", "physio"),
    (r"worser", "worse"),
    (r"physio ?therapy|physiotherapy", "physiotherapy"),
    (r"sit ?-?ups|situps|crunches|planks|squats|pelvic tilts?|kegels?", "exercises"),
)

# Multi-word expressions first, so "physical therapy" is one concept before "therapy" is looked at alone.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"physical(ly)? therap(y|ies|ist|ists)|physio ?therap(y|ist|ists)|physios?|\bpt\b", "physio"),
    (r"pain ?killers?|pain ?relief|pain (meds|medications?|medicines?|pills|tablets)|over the counter"
     r"|something for (it|the pain|that)|anti ?inflammator(y|ies)", "medicine"),
    (r"long ?term|long ?lasting|(the )?rest of (my|her|your|their|our|his) li(fe|ves)|for good|never (go|going|goes) away"
     r"|for (months|years|life|ever)|(my|the) whole life|in (a|one|ten|five|two) years?|years (later|from now)", "chronic"),
    (r"how long|how much longer|how many (days|weeks)|until when|when will (it|this|the pain) (stop|end|go)", "duration"),
    (r"go(es|ing)? away|clear(s|ing)? up|stop(s|ped)? hurting|get(s|ting)? better|wear(s|ing)? off"
     r"|settle(s)? down|ease(s)? off|heal(s|ed|ing)?|recover(y|ing|ed)?", "subside"),
    (r"pins and needles", "numb"),
    (r"(from|because of|due to) (the|my|an) epidural or|epidural or (just |simply |is it |was it )?(from|because of|due to"
     r"|the|my|giving|having|postpartum|normal|something)", "distinguish epidural"),
    (r"(be|is|was|it|this|that) (from|because of|due to|caused by|down to) (the|my|an|having an?) epidurals?", "cause epidural"),
    (r"^((?!how |why )\w+ ){0,2}?(can|could|do|does|did|will|would) (an |the |my |having an? )?epidurals? (cause|give|make"
     r"|lead to|bring on)", "possible cause epidural"),
    (r"(while|when|if) (i am |i am still |still )?(breast ?feeding|nursing|feeding the baby)|breast ?feeding|breast ?milk", "breastfeed"),
    (r"remind me|reminder|set an? (alarm|timer)", "reminder"),
    (r"(to|make|makes|affect|affects|harm|harms|hurt|hurts|reach|reaches|get through to) (the |my )?(baby|babies|newborn)"
     r"|baby massage", "babycare"),
    (r"(why|how) (does|do|did|would|can|could|will) (an |the |my |having an? )?epidurals? (cause|give|make|lead to|bring on)",
     "cause epidural"),
    (r"(got |has |have |had )?(nothing|something|anything) to do with", "cause"),
    (r"(does|will|did|would) it hurt when they (put|give|do|stick)|(take|takes) (effect|to kick in|to work)|kick in"
     r"|what (medicine|drugs?|medication) (do they|is|goes) (actually )?(put )?in|(put|is|goes) in (an|the) epidural"
     r"|epidural (drugs?|medicine|medication)", "procedure"),
    (r"how (many|much) (\w+ ){0,2}(can|should|do) i (take|have)|(maximum|max|safe) dose|doses?|dosage|milligrams|mg", "dose"),
    (r"when can i (go back to|start|return to|get back to|do) (the gym|exercise|exercising|running|working out|sit ups)"
     r"( again)?|back to (the gym|running)", "returnexercise"),
    (r"(best|right|good) (way|position) to (sit|feed|hold)|posture|how (should|do) i sit|feeding position", "posture"),
    (r"mattress(es)?|pillows?|heat (pack|pad)s?|hot water bottle|ice packs?|a heat", "equipment"),
    (r"tattoos?", "tattoo"),
    (r"gas and air|entonox|pethidine|tens machine|remifentanil|diamorphine", "otherpainrelief"),
    (r"leak(s|ing)?|incontinen(ce|t)|wee (myself|when)|bladder", "incontinence"),
    (r"forceps|ventouse|assisted (delivery|birth)|instrumental (delivery|birth)", "assisted"),
    (r"tummy time|(skin|eyes) (is |are |a bit |looks? |looking |gone )*yellow|jaundice|nappy rash", "babycare"),
    (r"epidurals? (can |could |might |will |would |does |did |do )?(actually |really )?(cause|give|make|lead to|bring on)",
     "possible cause epidural"),
    (r"what is (going on|happening|wrong)|what (has|did) (it|the epidural) do(ne)?|what is it about|(that|which|what) makes?"
     r"|how come", "cause"),
    (r"\bor (is it |was it |it is |it was )?(just )?(from|because of|due to|down to)", "distinguish"),
    (r"feels? like|what (does|do|would|should) (it|the pain|this|that|\w+ back pain|\w+ \w+ back pain) feel|signs?", "symptom"),
    (r"by (the )?(weekend|next week|tomorrow|the end of the week|the time)|how soon|any day now|be over (it|this)", "duration"),
    (r"how likely|chances? of|odds|likelihood|does every(body|one)|how many (\w+ )?get|how normal", "common"),
    (r"(give me |tell me |read me )?(the |an )?intro(duction)?|explain|the whole (\w+ ){0,4}thing|what (should|do) i (need to )?know"
     r"|the basics|basic info(rmation)?|what is (this|the) article about|what does (this|the|it) (article )?(say|cover)|tell me (\w+ )?about"
     r"|tell me everything", "overview"),
    (r"take ?aways?|skip to the end|short answer|conclusion|sum up|summed up", "summary"),
    (r"nausea|nauseous|(feel|feeling|felt|being) sick|vomit(ing)?|throw(ing)? up", "nausea"),
    (r"bad back|sore back|achy back|back hurting|back (problems?|issues?|trouble)", "back pain"),
    (r"(stomach|tummy|belly|abdominal|ab) muscles|abs", "core muscles"),
    (r"never (been|felt) (right|the same)|not (been|felt) (right|the same) since", "chronic"),
    (r"general idea|in general|main points?|too long did not read|how does (it|the article) end", "summary"),
    (r"(give|giving|gave) (the |my |her |him )?(baby|newborn|little one|son|daughter)|(the |my )?baby (is |seems |gets |has )?"
     r"(sleepy|drowsy|a fever|colic|jaundice)", "babycare"),
    (r"(during|through|throughout|in|from) (my |the )?pregnancy|while (i was )?pregnant|when (you are|i am|i was|she is) pregnant"
     r"|before (the |i gave )?birth", "antenatal"),
    (r"how (is|was|do they|does it|did they) (an |the )?epidural (get |gets )?(given|done|put in|inserted|placed|work)"
     r"|how (do|did) they (give|do|put in) (an |the )?epidural", "procedure"),
    (r"next (time|baby|pregnancy|birth)|another baby|again next|second baby|future (baby|pregnancy)", "nextbirth"),
    (r"diastasis( recti)?|(ab|abdominal|tummy|stomach) (separation|gap)|flat (tummy|stomach)|(tummy|stomach) flat"
     r"|lose (the )?(baby )?weight|weight loss|baby weight", "bodyshape"),
    (r"buggy|pram|stroller|pushchair|baby carrier|sling|car seat", "babygear"),
    (r"shiver(s|y|ing)?|shak(e|es|y|ing)|trembl(e|es|ing|y)", "shiver"),
    (r"(epidural|numbness|anaesthetic|anesthetic|it) (to |take to |takes to |to fully )?(wear|wears|wearing|wore) off",
     "wearoff"),
    (r"itch(es|y|ing)?", "itch"),
    (r"(labour|labor) (take|takes|taking|last|lasts) longer|slow(s|ing)? down (the )?(labour|labor)|length of (the )?(labour|labor)"
     r"|longer (labour|labor)", "labourlength"),
    (r"(un|not )?able to (walk|move)|can not (walk|move)|(loss|lose|lost|losing) (of )?(the )?(use|movement|mobility)"
     r"|paraly[sz]\w*", "paralysis"),
    (r"tell (\w+ ){0,5}(from|apart)|difference between", "distinguish"),
    (r"head ?aches?|(my |the )?head (hurts?|hurting|aches?|aching|pain|is pounding|throbs?|throbbing|pounds?|pounding)|migraines?", "headache"),
    (r"(the )?gist|main points?|key points?|highlights|overall message", "summary"),
    (r"(needle|injection|jab|epidural) (spot|site|area|point)|spot where|where (the needle|they|it) (went|go|goes) in", "injection site"),
    (r"(is|are) (the |my |an )?epidurals? to blame|blame (the |my )?epidural", "cause epidural"),
    (r"how (do|can|could|should|would) (i|we|you) (stop|ease|fix|help|get rid of|deal with|cope with|manage)", "relieve"),
    (r"what is (good|best|helpful) for|what works for", "relieve"),
    (r"(work|figure|find) out (what|if|whether|why)", "distinguish"),
    (r"work(ing)? ?outs?|keep(ing)? fit|get(ting)? fit", "exercise"),
    (r"happens? a lot|a lot of the time", "common"),
    (r"(many|lots of|a lot of|most|loads of|plenty of) (women|mums|moms|mothers|people|ladies|new mums|new moms)", "common"),
    (r"what can i take|what (should|could) i take", "medicine"),
    (r"on my feet( all day)?|standing all day|do(ing)? too much|overdo(ing)? it|lying flat|lie flat"
     r"|(have|take|mind|watch|look after|help with|hold) the baby (for|so|while)", "rest"),
    (r"(be |being |stay |staying |keep |keeping )?active|activity|activities|mov(e|ing) about|keep moving", "exercise"),
    (r"teach me|show me (how|some|the)|refer(red|ral)?|sent to someone|send me to someone|see someone", "physio"),
    (r"move better|mobility", "mobility"),
    (r"(are|is|has|have)? ?not (working|helping|enough|doing anything)|does not help|do not help|did not help", "notenough"),
    (r"get (it|my back|this|me) (looked at|checked)|(see|call|ring) (a|the|my) (doctor|gp|midwife)", "seedoctor"),
    (r"sort (itself|themselves) out", "subside"),
    (r"(partner|husband|wife|mum|mom|family|someone) (to )?(do|help|take over|carry|lift)", "rest"),
    (r"(is|it is|was) behind|to blame", "cause"),
    (r"when i am older|later in life|in the future|down the (line|road)|in years to come|old age|never (go|goes|going|went)"
     r"( away)?", "chronic"),
    (r"worst (that )?(an |the |my )?epidural (can|could) do|worst case", "damage"),
    (r"short and sweet|wrap ?up|(in )?one sentence|at the end|the end of (it|the article)|final (bit|part|word)"
     r"|last (bit|part)", "summary"),
    (r"epidural (tube|catheter|line)|the (tube|catheter|cannula) (in my back)?", "catheter"),
    (r"spinal (block|anaesthetic|anesthetic|tap)|a spinal", "spinalblock"),
    (r"what (can|should|could|do|shall) (i|we|you|people|women|mums|moms) (be )?do(ing)?|anything (at all )?(i|we) can (do|try)"
     r"|what (helps|will help|would help|can help)|best way to|how to (ease|relieve|treat|fix|soothe|get rid of)"
     r"|what (can|could|should) (i|we) try|ideas|tips|hurts? less|less (sore|painful|achy)|get(ting)? through|cope with"
     r"|deal(ing)? with"
     r"|make (it|this|my back|the pain|the ache|this backache|the backache|my backache) (feel )?(better|go|easier|stop)"
     r"|help with", "relieve"),
    (r"back ?aches?|back ?pains?", "back pain"),
    (r"(lower|low|upper|middle|mid) back|lumbar|tail ?bone", "back"),
    (r"c[- ]?section|caesarean|cesarean|cesarian|caesarian", "csection"),
    (r"side ?effects?", "sideeffect"),
    (r"injection site|where (they|the (needle|injection|epidural)) (put|went|was|go|goes)|needle site", "injection site"),
    (r"(is it|is this|am i) (just me|the only one)|only one|everyone|every(one|body) gets?", "common"),
    (r"sum (it|this|that)( all)? up|short version|in short|bottom line|tl ?dr|in a nutshell|recap|(what is )?the verdict"
     r"|quick answer|in a (sentence|word) or two|in a few words|what is the story( with)?", "summary"),
    (r"the rest of (the|this|my|your) (day|week|month|year|night|time|article|family)", "remainder"),
    (r"tak(e|ing) it easy|put(ting)? (my )?feet up|lie down|lying down|stay(ing)? in bed|do(ing)? less", "rest"),
    (r"what (else|other things?) (could|can|might) (it|this) be|something else|tell (the|them) apart"
     r"|tell the difference|how (do|can|would|could) (i|you|we|one) (\w+ )?(know|tell)|is it (from|because of|due to) (the )?epidural or", "distinguish"),
)

SYNONYMS: dict[str, str] = {}
for _concept, _words in {
    "pain": "hurt hurts hurting hurted sore soreness ache aches aching achy achey painful pains discomfort twinge "
            "twinges throbbing throb stiff stiffness tender sorer",
    "back": "backs spine",
    "medicine": "shot shots ibuprofen ibuprofin ibuprophen paracetamol paracetemol acetaminophen acetaminofen tylenol advil "
                "motrin nurofen aspirin naproxen aleve panadol painkiller painkillers medication medications medicines "
                "meds pills pill tablets tablet drugs drug analgesic analgesics cortisone steroid steroids prescription "
                "prescribe prescribed nsaid nsaids codeine",
    "physio": "physiotherapist physiotherapists physiotherapy therapist therapists rehab chiropractor osteopath",
    "chronic": "lasting forever permanent permanently lifelong indefinitely longterm everlasting year years",
    "epidural": "epidurals epi epidermal epidurial epideral epiderals epidurel anaesthetic anesthetic anesthesia "
                "anaesthesia",
    "exercise": "gym walking walk walks swim swimming moves exercises exercising workout workouts work-out stretch stretches stretching pilates",
    "rest": "bed bedrest resting rested relax relaxing nap napping",
    "doctor": "doc docs gp physician physicians doctors midwife nurse obgyn ob",
    "numb": "numbness tingling tingle tingly tingles",
    "mood": "anxious anxiety depressed depression teary tearful weepy lonely overwhelmed",
    "damage": "mess messed wreck wrecked harm harmed harmful injure injured injury damaged damaging ruin ruined",
    "leg": "legs foot feet limb limbs",
    "birth": "delivery deliver delivering delivered labour labor childbirth pushing pushed born",
    "baby": "newborn infant bub babe",
    "relieve": "fix fixes fixing relief ease easing soothe soothing remedy remedies treat treating treatment treatments cure "
               "alleviate lessen reduce manage",
    "massage": "massages rub backrub",
    "subside": "settle settles settling settled",
    "summary": "summarize summarise summarised summarized recap gist",
    "evidence": "proof research study studies link linked",
    "severe": "unbearable excruciating agony agonising agonizing debilitating crippling horrible horrendous terrible awful",
    "cause": "causes caused causing why reason reasons because blame",
    "common": "usual typical frequent often",
    "temporary": "temporarily temp",
    "rare": "rarely uncommon unusual",
    "nerve": "nerves",
    "normal": "expected",
    "day": "days",
    "week": "weeks fortnight",
    "month": "months",
}.items():
    for _word in _words.split():
        SYNONYMS[_word] = _concept

CONTRACTIONS: tuple[tuple[str, str], ...] = (
    (r"\bcan'?t\b", "can not"),
    (r"\bwon'?t\b", "will not"),
    (r"\bain'?t\b", "is not"),
    (r"n't\b", " not"),
    (r"\b(it|that|what|there|he|she|who|where|how|here|this)'s\b", r"\1 is"),
    (r"'re\b", " are"),
    (r"\bi'?m\b", "i am"),
    (r"'ll\b", " will"),
    (r"'ve\b", " have"),
    (r"'d\b", " would"),
    (r"'s\b", ""),
    (r"\bgonna\b", "going to"),
    (r"\bwanna\b", "want to"),
    (r"\bgotta\b", "got to"),
    (r"\bkinda\b", "kind of"),
)

STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be been before being below between both but by
could did do does doing down during each few for from further had has have having he her here hers herself him
himself his i if in into is it its itself me more most my myself no nor not of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what which while who whom will with would you your
yours yourself yourselves also how am get got getting gets anything something thing things stuff lot lots bit
um umm uh uhh er erm hmm ah oh like just really well okay ok alright hey hi hello please thanks thank yeah yes yep
actually basically literally honestly anyway usually normally typically generally properly roughly exactly
seriously lately anymore already remainder totally completely kinda sorta ugh gosh omg god wow till until whose without
women woman lady ladies girl friend friends husband wife partner goes going gone me myself im ive dont cant wont isnt kind sort mean know think guess wondering wonder wanted want
tell say ask asking question mama mum mom mummy mommy still even now ever much many quite pretty super bit
can may might must shall need going go went gone come came let lets would someone somebody anyone
""".split())
"""Function words and filler. Question words that decide the section (how long, why, when) are not here:
"how long" and "why" are rewritten to concepts first, and "when" stays."""

FRAMES = frozenset("""
duration cause common normal when last time happen subside temporary rare summary overview distinguish relieve help
long soon day week month better worse safe possible chance expect usual happen start stop end
""".split())
"""Concepts that give a question its shape, not its topic: "how long" does X last, "why" does X happen."""

GENERIC = frozenset("""
take have do make call work get give use try need want thing way feel see look know tell say good bad best lot big
little new right sure start keep put people person someone time much long real bit whole fine find show option
options worth use anything everything nothing turn enough true actually
""".split())
"""Light words that carry too little meaning to tie a question to a topic on their own."""

OFF_TOPIC: tuple[str, ...] = (
    # Things a new parent asks that an article about one topic does not answer; they compete with the sections, so a
    # question about them is declined instead of being matched to a section that merely shares a word.
    "how do I get the baby to sleep", "how much should a newborn eat", "why is the baby crying so much",
    "how do I feed my baby", "breastfeeding and bottle feeding", "is my baby getting enough milk",
    "changing nappies and diapers", "the baby's weight and growth", "baby jaundice colic reflux",
    "is the epidural safe for the baby", "does the epidural affect my baby", "epidural and breastfeeding",
    "headache after the epidural", "spinal headache", "how long do contractions last", "epidural or spinal block",
    "cost of an epidural", "shivering after the epidural", "nausea after the epidural", "itching after the epidural", "medicine for the baby",
    "medicine while breastfeeding", "remind me to do something",
    "exercise after a caesarean section", "back pain during pregnancy", "the epidural and the length of labour",
    "the epidural catheter", "a spinal block instead of an epidural", "feeling low anxious or depressed",
    "caesarean section recovery and scar", "stitches and tearing", "bleeding after birth", "periods after birth",
    "postnatal depression and mood", "sex after birth", "losing weight after pregnancy", "sore nipples and breasts",
    "what is the weather", "play music", "set a timer", "set an alarm", "what time is it", "tell me a joke",
    "call someone", "send a message", "turn on the lights", "what is on television", "the news today",
)

CONTEXT = frozenset("baby birth pregnant pregnancy mum mom mother motherhood postpartum".split())
"""The setting of every question a new parent asks: it never ties a question to a topic on its own."""

BODY_PARTS = frozenset("""
neck shoulder shoulders wrist wrists ankle ankles knee knees hand hands arm arms elbow elbows head headache jaw teeth
tooth chest rib ribs stomach boob boobs breast breasts nipple nipples bum bottom perineum vagina womb uterus bladder
bowel throat ear ears eye eyes toe toes finger fingers thumb
""".split())
"""Parts of the body: a question about one that no article speaks of is about another complaint, not this one."""

FOREIGN = frozenset("""
breastfeed babycare reminder headache nausea shiver csection antenatal catheter spinalblock mood procedure nextbirth
bodyshape babygear wearoff itch labourlength procedure dose returnexercise posture equipment tattoo
otherpainrelief incontinence assisted
""".split())
"""Concepts the phrases above give to topics a new parent asks about that an article on back pain does not cover:
a question about one of them is declined unless a section speaks of it."""
