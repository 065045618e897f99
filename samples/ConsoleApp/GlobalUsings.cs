global using CnnMl;
global using CnnMl.Data;
