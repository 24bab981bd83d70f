import{l as e}from"./vue-BFSJ3cJ_.js";import{r as t,t as n}from"./types-CXJe2cb-.js";import{t as r}from"./session-6Go2a0uf.js";import{a as i,t as a}from"./features-Cl69wDGW.js";var o=`# The whole permission matrix: resource x action x role. A cell names the
# domain kinds where the role may do it: "hq", "city", "hq city", or "-".
# For HQ roles "city" means every city; for city, merchant and staff roles it
# means their own city; for customers it means any open city.
# Object ownership (this merchant's staff, this customer's order) is checked
# in the services, never here. rbac_test.go asserts every cell.
resource,action,hq_admin,hq_operator,city_admin,city_operator,merchant_owner,merchant_dispatcher,staff,customer
city,create,hq,-,-,-,-,-,-,-
city,read,hq,hq,-,-,-,-,-,-
city,update,hq,-,-,-,-,-,-,-
category,write,hq,hq,-,-,-,-,-,-
platform_policy,read,hq,hq,-,-,-,-,-,-
platform_policy,write,hq,-,-,-,-,-,-,-
crosscity,read,hq,hq,-,-,-,-,-,-
city_policy,read,city,-,city,-,-,-,-,-
city_policy,write,city,-,city,-,-,-,-,-
role,read,hq city,hq city,city,-,-,-,-,-
role,grant,hq city,-,city,-,-,-,-,-
audit,read,hq city,-,city,-,-,-,-,-
figures,read,hq city,hq city,city,city,-,-,-,-
figures,rollup,hq city,-,city,-,-,-,-,-
city_overview,read,city,city,city,city,-,-,-,-
merchant_application,create,-,-,-,-,-,-,-,city
merchant_application,review,city,-,city,city,-,-,-,-
merchant,read,city,city,city,city,-,-,-,-
merchant,manage,city,-,city,city,-,-,-,-
shop,read,-,-,-,-,city,city,-,-
shop,update,-,-,-,-,city,-,-,-
dispatcher,manage,-,-,-,-,city,-,-,-
service_item,read,-,-,-,-,city,city,-,-
service_item,write,-,-,-,-,city,-,-,-
staff,read,city,city,city,city,city,city,-,-
staff,write,-,-,-,-,city,-,-,-
certification,verify,city,-,city,city,city,-,-,-
dispatch,read,city,city,city,city,city,city,-,-
dispatch,assign,-,-,-,-,city,city,-,-
dispatch_policy,read,city,city,city,city,city,city,-,-
dispatch_policy,write,city,-,city,city,city,-,-,-
job,work,-,-,-,-,-,-,city,-
job,read,-,-,-,-,-,-,city,-
order,create,-,-,-,-,-,-,-,city
order,read_own,-,-,-,-,-,-,-,city
order,cancel,-,-,-,-,-,-,-,city
order,read_merchant,-,-,-,-,city,city,-,-
order,read_city,city,city,city,city,-,-,-,-
payment,create,-,-,-,-,-,-,-,city
aftersale,create,-,-,-,-,-,-,-,city
aftersale,respond,-,-,-,-,city,city,-,-
aftersale,arbitrate,city,-,city,city,-,-,-,-
review,create,-,-,-,-,-,-,-,city
review,reply,-,-,-,-,city,-,-,-
review,report,-,-,-,-,city,-,-,city
review,moderate,city,-,city,city,-,-,-,-
address,write,-,-,-,-,-,-,-,city
coupon,claim,-,-,-,-,-,-,-,city
coupon,issue_merchant,-,-,-,-,city,-,-,-
coupon,issue_city,city,-,city,city,-,-,-,-
page,edit_shop,-,-,-,-,city,-,-,-
page,edit_city,city,-,city,city,-,-,-,-
ledger,read,city,city,city,-,-,-,-,-
balance,read_own,-,-,-,-,city,-,city,-
payout,request,-,-,-,-,city,-,city,-
payout,approve,city,-,city,-,-,-,-,-
reconciliation,run,city,-,city,-,-,-,-,-
figures,read_merchant,-,-,-,-,city,city,-,-
personal_data,reveal,-,-,city,-,-,-,city,-
`,s=new Map;function c(e){let t=[];for(let n of e.split(`
`)){let e=n.trim();if(!e||e.startsWith(`#`))continue;let r=e.split(`,`).map(e=>e.trim());if(r[0]===`resource`){t=r.slice(2);continue}let i=`${r[0]}:${r[1]}`,a=new Map;t.forEach((e,t)=>{let n=(r[t+2]||`-`).split(/\s+/).filter(e=>e===`hq`||e===`city`);a.set(e,new Set(n))}),s.set(i,a)}}c(o);function l(e,t,n){return e?s.get(t)?.get(e)?.has(n)??!1:!1}var u=`doorstep.admin.city`,d=e(`console`,{state:()=>({hqCity:localStorage.getItem(u)||``}),getters:{role:()=>r().role,isHQ(){return!!this.role&&t.includes(this.role)},isMerchant(){return this.role===`merchant_owner`||this.role===`merchant_dispatcher`},merchantId:()=>r().session?.merchant_id??0,isBackOffice(){return!!this.role&&n.includes(this.role)},city(){let e=r();return e.tokenCity?e.tokenCity:this.isHQ&&this.hqCity?this.hqCity:null},can(){return e=>{a.loaded;let t=i(e);return!t||!this.role||t.city&&!this.city?!1:!t.perm||l(this.role,t.perm,t.city?`city`:`hq`)}}},actions:{inArea(e){return e===`merchant`?this.isMerchant:e!==`city`||!this.isMerchant},canInCity(e){a.loaded;let t=i(e);return!t||!this.role?!1:!t.perm||l(this.role,t.perm,t.city?`city`:`hq`)},enterCity(e){this.hqCity=e,e?localStorage.setItem(u,e):localStorage.removeItem(u)}}});export{d as t};